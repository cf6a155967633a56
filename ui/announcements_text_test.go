package ui

import "testing"

// The body is plain text: everything a clerk types is shown as typed,
// and only http(s) addresses become links.
func TestAnnouncementBodyHTML(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"一段。\n\n二段，\n换行。", "<p>一段。</p>\n<p>二段，<br>换行。</p>\n"},
		{"  \n\n\n  前后空行\n\n\n\n", "<p>前后空行</p>\n"},
		{"<script>alert(1)</script> & <b>", "<p>&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;b&gt;</p>\n"},
		{"详见 https://zjw.beijing.gov.cn/a?b=1&c=2。", `<p>详见 <a href="https://zjw.beijing.gov.cn/a?b=1&amp;c=2" rel="nofollow noopener noreferrer" target="_blank">https://zjw.beijing.gov.cn/a?b=1&amp;c=2</a>。</p>` + "\n"},
		{"(see http://example.org/x).", `<p>(see <a href="http://example.org/x" rel="nofollow noopener noreferrer" target="_blank">http://example.org/x</a>).</p>` + "\n"},
		{"https://en.wikipedia.org/wiki/Lease_(law)", `<p><a href="https://en.wikipedia.org/wiki/Lease_(law)" rel="nofollow noopener noreferrer" target="_blank">https://en.wikipedia.org/wiki/Lease_(law)</a></p>` + "\n"},
		{`http://a.cn/"onmouseover="alert(1)`, `<p><a href="http://a.cn/" rel="nofollow noopener noreferrer" target="_blank">http://a.cn/</a>&#34;onmouseover=&#34;alert(1)</p>` + "\n"},
		{"javascript:alert(1) data:text/html,<b>x</b>", "<p>javascript:alert(1) data:text/html,&lt;b&gt;x&lt;/b&gt;</p>\n"},
		{"http:// 不是地址", "<p>http:// 不是地址</p>\n"},
	} {
		if got := string(annBodyHTML(tc.in)); got != tc.want {
			t.Errorf("annBodyHTML(%q)\n got %s\nwant %s", tc.in, got, tc.want)
		}
	}
}

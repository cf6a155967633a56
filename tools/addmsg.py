# usage: addmsg.py FILE.json key=value ...   (keeps keys sorted, indent 1)
import json,sys,collections
p=sys.argv[1]
try: m=json.load(open(p),object_pairs_hook=collections.OrderedDict)
except FileNotFoundError: m={}
for kv in sys.argv[2:]:
    k,v=kv.split('=',1); m[k]=v
m=collections.OrderedDict(sorted(m.items()))
open(p,'w').write(json.dumps(m,ensure_ascii=False,indent=1)+"\n")

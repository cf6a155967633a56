// Anju's only script: progressive enhancements. Every page works without it.
"use strict";
// A required field (its label marked *) left empty: no question first.
// The server answers with the message next to the field, and the user is
// asked once the form can go through, not before and again after.
function missingRequired(form) {
  var marks = form.querySelectorAll("label .req");
  for (var i = 0; i < marks.length; i++) {
    var field = document.getElementById(marks[i].parentNode.htmlFor);
    if (field && field.form === form && !field.disabled && field.value.trim() === "") {
      return true;
    }
  }
  return false;
}
document.addEventListener("submit", function (e) {
  var msg = e.target.getAttribute("data-confirm");
  if (msg && !missingRequired(e.target) && !window.confirm(msg)) {
    e.preventDefault();
  }
});
document.addEventListener("click", function (e) {
  if (e.target.closest("[data-print]")) {
    window.print();
  }
});

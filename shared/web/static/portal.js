// Copy buttons: copy the share URL of the input named by data-copy. Without JavaScript the URL stays
// selectable in its read-only field, so nothing depends on this file.
document.addEventListener("click", function (event) {
  var button = event.target.closest("button[data-copy]");
  if (!button) return;
  var input = document.getElementById(button.getAttribute("data-copy"));
  if (!input) return;
  var label = button.textContent;
  var done = function () {
    button.textContent = button.getAttribute("data-copied") || label;
    button.setAttribute("aria-live", "polite");
    setTimeout(function () { button.textContent = label; }, 2000);
  };
  input.select();
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(input.value).then(done, function () { document.execCommand("copy"); done(); });
  } else {
    document.execCommand("copy");
    done();
  }
});

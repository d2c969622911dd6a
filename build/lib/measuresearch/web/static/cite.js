// Copy buttons of the citation box: shown only with JavaScript (without it, the download links remain).
(function () {
  "use strict";
  var status = document.querySelector(".cite .copied");
  document.querySelectorAll(".cite button.copy").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      var text = document.getElementById(button.getAttribute("data-copy")).textContent;
      var done = function () { if (status) { status.textContent = button.textContent.replace("Copy", "Copied") + "."; } };
      if (navigator.clipboard && navigator.clipboard.writeText) {
        navigator.clipboard.writeText(text).then(done, function () { if (status) { status.textContent = "Copying failed: select the text and copy it."; } });
      } else if (status) {
        status.textContent = "Select the text and copy it.";
      }
    });
  });
})();

// "Report issue" opens its form in place, under the hit or on the measure page.
// Without JavaScript (or if fetching the form fails) the link simply opens the form page.
(function () {
  "use strict";

  function close(panel, link) {
    panel.remove();
    link.setAttribute("aria-expanded", "false");
    link.focus();
  }

  function open(link, html) {
    var form = new DOMParser().parseFromString(html, "text/html").getElementById("report-form");
    if (!form) { return false; }
    document.querySelectorAll(".report-inline").forEach(function (other) { other.remove(); });  // one form at a time
    var panel = document.createElement("section");
    panel.className = "report-inline";
    panel.setAttribute("aria-label", "Report an issue with this measure");
    var heading = document.createElement("h3");
    heading.textContent = "Report an issue with this measure";
    var cancel = document.createElement("button");
    cancel.type = "button";
    cancel.className = "report-close";
    cancel.textContent = "Close";
    cancel.addEventListener("click", function () { close(panel, link); });
    panel.append(heading, document.importNode(form, true), cancel);
    var host = link.closest(".hit") || link.closest("dl") || link.parentNode;
    host.after(panel);
    link.setAttribute("aria-expanded", "true");
    panel.querySelector("textarea").focus();
    return true;
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest("a.report-link");
    if (!link || event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey) {
      return;
    }
    event.preventDefault();
    var existing = (link.closest(".hit") || link.closest("dl") || link.parentNode).nextElementSibling;
    if (existing && existing.classList.contains("report-inline")) { close(existing, link); return; }
    fetch(link.href, {credentials: "same-origin", headers: {"Accept": "text/html"}})
      .then(function (response) { return response.ok ? response.text() : Promise.reject(response.status); })
      .then(function (html) { if (!open(link, html)) { window.location.href = link.href; } })
      .catch(function () { window.location.href = link.href; });
  });
}());

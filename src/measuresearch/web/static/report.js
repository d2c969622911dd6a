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
    panel.setAttribute("aria-label", form.dataset.heading);
    var heading = document.createElement("h3");
    heading.textContent = form.dataset.heading;
    var cancel = document.createElement("button");
    cancel.type = "button";
    cancel.className = "report-close";
    cancel.textContent = form.dataset.close;
    cancel.addEventListener("click", function () { close(panel, link); });
    panel.append(heading, document.importNode(form, true), cancel);
    // the form page's own "Cancel" (a link back to the measure) closes the panel here, as Escape does
    panel.querySelectorAll("a.form-cancel").forEach(function (other) {
      other.addEventListener("click", function (event) { event.preventDefault(); close(panel, link); });
    });
    panel.addEventListener("keydown", function (event) {
      if (event.key === "Escape") { event.preventDefault(); close(panel, link); }
    });
    var host = link.closest(".hit") || link.closest("dl") || link.parentNode;
    host.after(panel);
    panel.querySelectorAll(".counter").forEach(count);
    link.setAttribute("aria-expanded", "true");
    panel.querySelector("textarea").focus();
    return true;
  }

  // The counter under a text box: how many characters of the most, and before the form is sent the
  // same words as the server's refusal when the text is too short or too long.
  function count(counter) {
    var box = document.getElementById(counter.dataset.for);
    if (!box) { return; }
    var text = box.value.replace(/\r\n/g, "\n");
    var length = Array.from(text).length;
    var solid = Array.from(text.trim()).length;
    var most = Number(counter.dataset.max);
    // grouped with the page language's separator from the server (CLDR through Babel), as its numbers are
    var grouped = function (n) { return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, counter.dataset.group); };
    var number = grouped(length);
    var message = counter.dataset.count;
    counter.classList.remove("warn", "over");
    if (length > most) {
      message = counter.dataset.long;
      counter.classList.add("over");
    } else if (solid > 0 && solid < Number(counter.dataset.min)) {
      message = counter.dataset.short;
      number = grouped(solid);
      counter.classList.add("warn");
    } else if (length >= most * 0.9) {
      counter.classList.add("warn");
    }
    counter.textContent = message.replace("{n}", number).trim();
    counter.hidden = false;
  }
  document.querySelectorAll(".counter").forEach(count);
  document.addEventListener("input", function (event) {
    var counter = event.target.id && document.getElementById(event.target.id + "-counter");
    if (counter && counter.classList.contains("counter")) { count(counter); }
  });

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

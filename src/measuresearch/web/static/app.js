// measuresearch: progressive enhancement of the search page.
// Without JavaScript every control is a link or a form; with it, results
// update in place (the URL kept in step with history) and the search box
// offers completions from /api/suggest.
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  var form = document.getElementById("search-form");
  if (!form) { return; }
  // The search page updates in place; on a measure or error page without results the box only completes.
  var inPlace = function () { return document.getElementById("content") !== null; };
  var input = document.getElementById("q");
  // The URLs come from the page (the server puts them under a base URL's path): the search page is the form's
  // action ("/", or "/dti/" under https://example.org/dti), the completions the box's data-url.
  var searchPath = form.getAttribute("action");
  var list = document.getElementById("suggestions");
  var active = -1;
  var suggestTimer = null;
  var searchTimer = null;
  var settleTimer = null;
  var pending = null;
  // History: one entry per settled query. The first results of a typing spell push an entry (so Back
  // returns to what was there before); while the spell lasts they replace it; Enter, a pause of
  // SETTLE_MS after the results, or leaving the box ends the spell.
  var typing = false;
  var spellEntry = false;  // the spell has its own history entry (pushed once its first results came)
  var SETTLE_MS = 1500;
  var focusAfter = null;  // the facet to give the focus back to once the results are swapped in

  function urlOfForm() {
    var params = new URLSearchParams();
    new FormData(form).forEach(function (value, name) {
      // no sort unless one was chosen: relevance whenever the query has words, newest for browsing
      if (value !== "") { params.append(name, value); }
    });
    var query = params.toString();
    return searchPath + (query ? "?" + query : "");
  }

  // On a phone the filters start folded away; without JavaScript they stay open.
  function foldFiltersOnPhones() {
    var panel = document.querySelector(".facet-panel");
    if (panel && window.matchMedia("(max-width: 760px)").matches) { panel.open = false; }
  }
  foldFiltersOnPhones();

  function swap(html) {
    var doc = new DOMParser().parseFromString(html, "text/html");
    if (!doc.getElementById("content")) { return false; }
    // the language links too: each carries the search shown (else "Русский" would reload an earlier one)
    ["content", "form-state", "languages"].forEach(function (id) {
      var fresh = doc.getElementById(id);
      var old = document.getElementById(id);
      if (fresh && old) { old.replaceWith(fresh); }
    });
    document.title = doc.title;
    foldFiltersOnPhones();
    enhanceFacets();
    restoreFocus();
    return true;
  }

  // After an update asked for by a control of the results, the focus goes back to that control (a facet, the
  // sort list) or, when it is gone or replaced (a page link, a chip, a year), to the results heading, which
  // also says the new count to a screen reader; a page link brings the new page's top into view.
  function restoreFocus() {
    if (!focusAfter) { return; }
    var wanted = focusAfter;
    focusAfter = null;
    var found = null;
    if (wanted.facet !== undefined) {
      found = Array.prototype.find.call(document.querySelectorAll("#content a.facet-value"), function (link) {
        return link.dataset.facet === wanted.facet && link.dataset.value === wanted.value;
      });
    } else if (wanted.id) {
      found = document.getElementById(wanted.id);
    }
    if (found && found.offsetParent !== null) { found.focus(); return; }
    var heading = document.getElementById("results-heading");
    if (!heading) { return; }
    heading.setAttribute("tabindex", "-1");
    heading.focus({ preventScroll: !wanted.top });
    if (wanted.top) { heading.scrollIntoView({ block: "start" }); }
  }

  function record(url, how) {
    shown = url;
    if (how === "push" && url !== location.pathname + location.search) {
      history.pushState({ url: url }, "", url);
      spellEntry = typing;
    } else if (how) { history.replaceState({ url: url }, "", url); }
  }

  function settle() {
    clearTimeout(settleTimer);
    typing = false;
    spellEntry = false;
  }

  // how: "push" (a new history entry), "replace" (the current one) or false (history already says url)
  function load(url, how) {
    if (!inPlace()) { location.href = url; return Promise.resolve(); }
    if (pending) { pending.abort(); }
    var mine = pending = new AbortController();
    document.body.classList.add("loading");
    return fetch(url, { signal: mine.signal, headers: { "Accept": "text/html" } })
      .then(function (response) { return response.text(); })
      .then(function (html) {
        // a later load replaced this one: its page may have been read before abort() came, and it
        // would show stale results and push a history entry of its own after the later one's
        if (mine !== pending) { return; }
        // an error (a rejected query) is a page with the same #content: its message replaces the results
        if (!swap(html)) { location.href = url; return; }
        record(url, how);
        var params = new URL(url, location.href).searchParams;
        if (document.activeElement !== input || how === false) { input.value = params.get("q") || ""; }
      })
      .catch(function (error) { if (error.name !== "AbortError") { location.href = url; } })
      .finally(function () { if (mine === pending) { document.body.classList.remove("loading"); } });
  }

  // Long facets: "Show N more" unfolds in place (without JavaScript it is a link to the whole list),
  // and a filter box narrows the list, sub-pillars included, as one types.
  function enhanceFacets() {
    document.querySelectorAll(".facet-filter").forEach(function (box) { box.hidden = false; });
  }
  enhanceFacets();

  function toggleMore(link) {
    var section = link.closest(".facet");
    var open = link.getAttribute("aria-expanded") !== "true";
    link.setAttribute("aria-expanded", open ? "true" : "false");
    link.textContent = open ? link.dataset.fewer : link.dataset.more;
    filterFacet(section);
  }

  function matches(item, needle) {
    var value = item.querySelector(".value");
    return value !== null && value.textContent.toLowerCase().indexOf(needle) >= 0;
  }

  function filterFacet(section) {
    var box = section.querySelector(".facet-filter");
    var more = section.querySelector(".facet-more");
    var needle = box ? box.value.trim().toLowerCase() : "";
    var unfolded = more !== null && more.getAttribute("aria-expanded") === "true";
    section.querySelectorAll(".facet-values > li.facet-item").forEach(function (item) {
      var subs = item.querySelectorAll(".sub > li");
      var subHits = 0;
      subs.forEach(function (sub) {
        var hit = needle !== "" && matches(sub, needle);
        if (hit) { subHits += 1; }
        sub.hidden = needle !== "" && !hit && !matches(item, needle);
      });
      var details = item.querySelector("details.subs");
      if (needle === "") {
        item.hidden = item.classList.contains("extra") && !unfolded;
        if (details) { details.open = details.hasAttribute("data-open"); }
        subs.forEach(function (sub) { sub.hidden = false; });
        return;
      }
      item.hidden = !matches(item, needle) && subHits === 0;
      if (details && subHits > 0) { details.open = true; }
    });
    if (more) { more.hidden = needle !== ""; }
  }

  document.addEventListener("input", function (event) {
    if (event.target.classList.contains("facet-filter")) { filterFacet(event.target.closest(".facet")); }
  });

  // Links inside the results (facets, chips, pages, "did you mean") load in place.
  document.addEventListener("click", function (event) {
    var link = event.target.closest("#content a[href]");
    var target = link && link.getAttribute("href");
    if (target !== searchPath && (!target || target.indexOf(searchPath + "?") !== 0)) { link = null; }
    if (!link || event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) { return; }
    event.preventDefault();
    if (link.classList.contains("facet-more")) { toggleMore(link); return; }
    focusAfter = link.classList.contains("facet-value") ? { facet: link.dataset.facet, value: link.dataset.value }
      : { top: link.closest(".pagination") !== null };
    settle();
    load(link.getAttribute("href"), "push");
  });

  // A facet is a checkbox to assistive technology: Space ticks it (a link would scroll the page).
  document.addEventListener("keydown", function (event) {
    var box = event.target.closest && event.target.closest("a.facet-value[role=checkbox]");
    if (box && (event.key === " " || event.key === "Spacebar")) { event.preventDefault(); box.click(); }
  });

  form.addEventListener("submit", function (event) {
    closeList();
    if (!inPlace()) { return; }
    event.preventDefault();
    // a button of the results (the years' "Apply") is replaced with them: the focus goes to the results heading
    var submitter = event.submitter;
    if (submitter && submitter.closest("#content")) { focusAfter = { top: false }; }
    clearTimeout(searchTimer);
    var how = spellEntry ? "replace" : "push";  // Enter settles the spell's entry, or makes a new one
    settle();
    load(urlOfForm(), how);
  });

  // A sort chosen in the list is kept with the search (the form state carries it from then on).
  function urlWithSort(sort) {
    var url = new URL(urlOfForm(), location.href);
    url.searchParams.delete("page");
    url.searchParams.set("sort", sort);
    return url.pathname + url.search;
  }

  document.addEventListener("change", function (event) {
    if (event.target.id === "sort") {
      focusAfter = { id: "sort" };
      settle();
      load(urlWithSort(event.target.value), "push");
    }
  });

  document.addEventListener("submit", function (event) {
    if (event.target.id !== "sort-form") { return; }
    event.preventDefault();
    focusAfter = { id: "sort" };
    settle();
    load(urlWithSort(document.getElementById("sort").value), "push");
  });

  // Back and Forward: the box, the facets and the results all come from the URL again. A link within the page
  // ("Skip to the content", #main) changes only the fragment: nothing to load.
  var shown = location.pathname + location.search;
  window.addEventListener("popstate", function () {
    if (location.pathname + location.search === shown) { return; }
    clearTimeout(searchTimer);
    clearTimeout(suggestTimer);
    settle();
    closeList();
    input.value = new URLSearchParams(location.search).get("q") || "";
    load(location.pathname + location.search, false);
  });

  // Search as you type: results follow the box after a short pause.
  input.addEventListener("input", function () {
    clearTimeout(searchTimer);
    clearTimeout(suggestTimer);
    highlight(-1);  // typing again leaves the list: Enter searches for what is typed
    suggestTimer = setTimeout(suggest, 120);
    if (!inPlace()) { return; }
    clearTimeout(settleTimer);
    searchTimer = setTimeout(function () {
      var how = spellEntry ? "replace" : "push";
      typing = true;
      load(urlOfForm(), how).then(function () {
        clearTimeout(settleTimer);
        if (typing) { settleTimer = setTimeout(settle, SETTLE_MS); }
      });
    }, 350);
  });

  // Enter, a chosen completion, Back or Escape close the list for good: a request still on its way is dropped.
  var asked = 0;
  function closeList() {
    asked += 1;
    clearTimeout(suggestTimer);
    list.hidden = true;
    list.innerHTML = "";
    active = -1;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
  }

  function suggest() {
    var prefix = input.value;
    if (!prefix.trim()) { closeList(); return; }
    var request = asked;
    fetch(input.dataset.url + "?" + new URLSearchParams({ q: prefix }))
      .then(function (response) { return response.ok ? response.json() : { suggestions: [] }; })
      .then(function (body) {
        if (input.value !== prefix || request !== asked) { return; }
        // the suggestion the reader has arrowed onto stays chosen if the fresh list still offers it
        var kept = active >= 0 ? list.querySelectorAll("li")[active].textContent : null;
        list.innerHTML = "";
        body.suggestions.forEach(function (text, i) {
          var item = document.createElement("li");
          item.id = "suggestion-" + i;
          item.setAttribute("role", "option");
          item.textContent = text;  // text, never HTML
          item.addEventListener("mousedown", function (event) { event.preventDefault(); choose(text); });
          list.appendChild(item);
        });
        var open = body.suggestions.length > 0;
        list.hidden = !open;
        input.setAttribute("aria-expanded", open ? "true" : "false");
        highlight(kept === null ? -1 : body.suggestions.indexOf(kept));
      })
      .catch(function () { closeList(); });
  }

  function choose(text) {
    input.value = text;
    closeList();
    clearTimeout(searchTimer);
    var how = spellEntry ? "replace" : "push";
    settle();
    load(urlOfForm(), how);
  }

  function highlight(index) {
    var items = list.querySelectorAll("li");
    items.forEach(function (item, i) { item.setAttribute("aria-selected", i === index ? "true" : "false"); });
    active = index;
    if (index >= 0) { input.setAttribute("aria-activedescendant", items[index].id); }
    else { input.removeAttribute("aria-activedescendant"); }
  }

  input.addEventListener("keydown", function (event) {
    var items = list.querySelectorAll("li");
    // Escape closes the suggestions only: the browser would also empty a search box (and so reload)
    if (event.key === "Escape") { event.preventDefault(); closeList(); return; }
    if (list.hidden || !items.length) { return; }
    if (event.key === "ArrowDown") { event.preventDefault(); highlight((active + 1) % items.length); }
    else if (event.key === "ArrowUp") {  // from the box, the last suggestion
      event.preventDefault();
      highlight(active < 0 ? items.length - 1 : (active - 1 + items.length) % items.length);
    }
    else if (event.key === "Enter" && active >= 0) { event.preventDefault(); choose(items[active].textContent); }
  });
  input.addEventListener("blur", function () { setTimeout(closeList, 150); });
  input.addEventListener("change", settle);  // leaving the box after typing settles the query
}());

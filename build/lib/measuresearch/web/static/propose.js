// The proposal form: once a pillar is chosen, the sub-pillar list shows only that pillar's group.
// Without JavaScript every group stays listed under its pillar's name (optgroup).
(function () {
  "use strict";
  var pillar = document.getElementById("pillar");
  var sub = document.getElementById("sub_pillar");
  if (!pillar || !sub || sub.tagName !== "SELECT") { return; }

  function filter() {
    var chosen = pillar.value;
    sub.querySelectorAll("optgroup").forEach(function (group) {
      var show = !chosen || group.label === chosen;
      group.hidden = !show;
      group.disabled = !show;
    });
    var selected = sub.options[sub.selectedIndex];
    if (selected && selected.parentNode.disabled) { sub.value = ""; }  // a sub-pillar of another pillar
  }

  pillar.addEventListener("change", filter);
  filter();
})();

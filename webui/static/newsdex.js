// newsdex: small progressive enhancements. Every page works without this file;
// the URL stays the single source of truth for the search (so links and the back button work).
(function () {
  "use strict";
  var FACET_VISIBLE = 8;
  document.documentElement.classList.add("js");

  // Long facets: show the first values, a "show more" button, and a filter box over all values.
  document.querySelectorAll(".facet[data-facet]").forEach(function (section) {
    var items = Array.prototype.slice.call(section.querySelectorAll("li"));
    var more = section.querySelector(".show-more");
    var filter = section.querySelector(".facet-filter");
    var expanded = false;
    function apply() {
      var needle = filter ? filter.value.trim().toLowerCase() : "";
      var shown = 0;
      items.forEach(function (li) {
        var value = (li.getAttribute("data-value") || "").toLowerCase();
        var match = !needle || value.indexOf(needle) !== -1;
        li.classList.toggle("filtered-out", !match);
        var beyond = match && !needle && !expanded && !li.classList.contains("selected") && shown >= FACET_VISIBLE;
        li.classList.toggle("beyond", beyond);
        if (match && !beyond) shown += 1;
      });
      if (more) {
        var hidden = items.filter(function (li) { return li.classList.contains("beyond"); }).length;
        more.hidden = needle !== "" || (hidden === 0 && !expanded);
        more.textContent = expanded ? "Show fewer" : "Show " + hidden + " more";
        more.setAttribute("aria-expanded", expanded ? "true" : "false");
      }
    }
    if (filter) {
      filter.hidden = false;
      filter.addEventListener("input", apply);
    }
    if (more) {
      more.addEventListener("click", function () { expanded = !expanded; apply(); });
    }
    apply();
  });

  // Sort and page-size selects apply at once.
  document.querySelectorAll("select.autosubmit").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });

  // On a phone the filters start folded so results come first.
  var sidebar = document.querySelector("details.sidebar");
  if (sidebar && window.matchMedia("(max-width: 760px)").matches) sidebar.open = false;

  // "see Syntax" links in error messages open the help.
  document.querySelectorAll(".open-syntax").forEach(function (link) {
    link.addEventListener("click", function (event) {
      var help = document.getElementById("syntax-help");
      if (help) { event.preventDefault(); help.open = true; help.querySelector("summary").focus(); }
    });
  });

  // Keyboard: "/" focuses the search box; j / k move between results; Escape closes the syntax help.
  document.addEventListener("keydown", function (event) {
    var target = event.target;
    var typing = target && (target.tagName === "INPUT" || target.tagName === "SELECT" || target.tagName === "TEXTAREA");
    if (event.key === "Escape") {
      var help = document.getElementById("syntax-help");
      if (help && help.open) { help.open = false; help.querySelector("summary").focus(); }
      return;
    }
    if (typing || event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.key === "/") {
      var box = document.getElementById("q");
      if (box) { event.preventDefault(); box.focus(); box.select(); }
    } else if (event.key === "j" || event.key === "k") {
      var links = Array.prototype.slice.call(document.querySelectorAll(".hit h3 a"));
      if (!links.length) return;
      var at = links.indexOf(document.activeElement);
      var next = event.key === "j" ? Math.min(at + 1, links.length - 1) : Math.max(at - 1, 0);
      links[next].focus();
      links[next].closest(".hit").scrollIntoView({ block: "nearest" });
    }
  });
})();

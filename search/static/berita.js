// Progressive enhancement only: the page works without it.
// Changing the time preset or the ordering submits the search at once.
document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
  select.addEventListener("change", function () {
    if (select.id === "rentang") {
      document.getElementById("from").value = "";
      document.getElementById("to").value = "";
    }
    if (select.form.requestSubmit) { select.form.requestSubmit(); } else { select.form.submit(); }
  });
});

// Fields left empty stay out of the address (no "&from=&to=&sort="): a
// disabled field is not submitted. Re-enabled when the page is shown again.
document.querySelectorAll("form[role=search]").forEach(function (form) {
  form.addEventListener("submit", function () {
    Array.prototype.forEach.call(form.elements, function (field) {
      if (field.name && field.value === "") { field.disabled = true; }
    });
  });
});
window.addEventListener("pageshow", function () {
  document.querySelectorAll("form[role=search] [disabled]").forEach(function (f) { f.disabled = false; });
});

// On a narrow screen the facet lists start folded (their headings open them),
// so the results come first; a list with a chosen value stays open.
if (window.matchMedia && window.matchMedia("(max-width: 600px)").matches) {
  document.querySelectorAll("details.facet").forEach(function (d) {
    if (!d.querySelector("a.on")) { d.open = false; }
  });
}

// Autocomplete for the search box (an ARIA combobox): suggestions from
// /api/suggest as the reader types; arrow keys move, Enter picks, Escape closes.
(function () {
  var box = document.getElementById("q");
  var list = document.getElementById("saran-daftar");
  if (!box || !list || !window.fetch) { return; }
  var active = -1, timer = null, asked = "";

  function options() { return list.querySelectorAll("[role=option]"); }
  function close() {
    list.hidden = true; list.innerHTML = ""; active = -1;
    box.setAttribute("aria-expanded", "false"); box.removeAttribute("aria-activedescendant");
  }
  function mark(index) {
    var all = options();
    if (!all.length) { return; }
    active = (index + all.length) % all.length;
    all.forEach(function (o, i) { o.setAttribute("aria-selected", i === active ? "true" : "false"); });
    box.setAttribute("aria-activedescendant", all[active].id);
  }
  function choose(text) { box.value = text; close(); box.form.submit(); }
  function show(words) {
    list.innerHTML = "";
    words.forEach(function (word, i) {
      var li = document.createElement("li");
      li.id = "saran-" + i; li.setAttribute("role", "option"); li.setAttribute("aria-selected", "false");
      li.textContent = word;
      li.addEventListener("mousedown", function (event) { event.preventDefault(); choose(word); });
      list.appendChild(li);
    });
    list.hidden = !words.length; active = -1;
    box.setAttribute("aria-expanded", words.length ? "true" : "false");
  }
  box.addEventListener("input", function () {
    clearTimeout(timer);
    var text = box.value;
    if (!text.trim()) { close(); return; }
    timer = setTimeout(function () {
      asked = text;
      fetch("/api/suggest?q=" + encodeURIComponent(text) + "&size=8")
        .then(function (r) { return r.ok ? r.json() : { suggestions: [] }; })
        .then(function (body) { if (asked === box.value) { show(body.suggestions); } })
        .catch(close);
    }, 80);
  });
  box.addEventListener("keydown", function (event) {
    if (list.hidden) { return; }
    if (event.key === "ArrowDown") { event.preventDefault(); mark(active + 1); }
    else if (event.key === "ArrowUp") { event.preventDefault(); mark(active - 1); }
    else if (event.key === "Escape") { close(); }
    else if (event.key === "Enter" && active >= 0) { event.preventDefault(); choose(options()[active].textContent); }
  });
  box.addEventListener("blur", function () { setTimeout(close, 100); });
})();

/* The review page's behaviour, plain JavaScript with nothing fetched:
   - thumbnails are base64 JPEGs in one JSON block, put into an <img> only when it scrolls near
     the screen, so the browser decodes only what is looked at;
   - the filter box hides every element whose data-breed names no breed matching the text;
   - a click on a thumbnail (or Enter on it) opens its details (id, source, conversation). */
(function () {
  "use strict";
  var thumbs = null;
  var details = null;

  function json(id) {
    return JSON.parse(document.getElementById(id).textContent);
  }

  function thumbUri(index) {
    if (thumbs === null) thumbs = json("thumbs");
    return "data:image/jpeg;base64," + thumbs[index];
  }

  function reveal(img) {
    img.src = thumbUri(Number(img.getAttribute("data-t")));
  }

  var lazy = document.querySelectorAll("img[data-t]");
  if ("IntersectionObserver" in window) {
    var observer = new IntersectionObserver(function (entries) {
      entries.forEach(function (entry) {
        if (entry.isIntersecting) {
          observer.unobserve(entry.target);
          reveal(entry.target);
        }
      });
    }, { rootMargin: "400px" });
    lazy.forEach(function (img) { observer.observe(img); });
  } else {
    lazy.forEach(reveal);
  }

  var box = document.getElementById("filter");
  var count = document.getElementById("filter-count");
  var tagged = document.querySelectorAll("[data-breed]");
  var breedRows = document.querySelectorAll("#breeds tr[data-breed]");

  function applyFilter() {
    var query = box.value.trim().toLowerCase();
    tagged.forEach(function (el) {
      var names = el.getAttribute("data-breed").split("|");
      el.hidden = query !== "" && !names.some(function (name) { return name.indexOf(query) !== -1; });
    });
    var shown = 0;
    breedRows.forEach(function (row) { if (!row.hidden) shown += 1; });
    count.textContent = query === "" ? "" : shown + " of " + breedRows.length + " breeds";
  }
  box.addEventListener("input", applyFilter);
  applyFilter();

  var panel = document.getElementById("detail");

  function add(parent, tag, text, cls) {
    var el = document.createElement(tag);
    if (text !== undefined) el.textContent = text;
    if (cls) el.className = cls;
    parent.appendChild(el);
    return el;
  }

  function openDetail(index) {
    if (details === null) details = json("details");
    var item = details[index];
    panel.textContent = "";
    var close = add(panel, "button", "close");
    close.type = "button";
    close.addEventListener("click", function () { panel.hidden = true; });
    if (item.photo !== null) add(panel, "img").src = thumbUri(item.photo);
    var list = add(panel, "dl");
    item.fields.forEach(function (pair) {
      add(list, "dt", pair[0]);
      add(list, "dd", pair[1]);
    });
    (item.conversation || []).forEach(function (turn) {
      add(panel, "div", turn[0] + ": " + turn[1], "turn " + turn[0]);
    });
    panel.hidden = false;
  }

  document.addEventListener("click", function (event) {
    var figure = event.target.closest("figure[data-d]");
    if (figure) openDetail(Number(figure.getAttribute("data-d")));
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") panel.hidden = true;
    var figure = event.target.closest && event.target.closest("figure[data-d]");
    if (figure && event.key === "Enter") openDetail(Number(figure.getAttribute("data-d")));
  });
})();

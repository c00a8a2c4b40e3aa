// Progress of a pooled-file scan: polls the import's progress endpoint every 2 s and moves
// the <progress> bar and its text until the scan is done or failed.
(function () {
  "use strict";
  var box = document.getElementById("scan-progress");
  if (!box) { return; }
  var bar = document.getElementById("scan-bar");
  var status = document.getElementById("scan-status");
  function poll() {
    fetch(box.dataset.url, { headers: { Accept: "application/json" } })
      .then(function (r) { return r.json(); })
      .then(function (data) {
        bar.max = Math.max(data.total, 1);
        bar.value = data.done;
        bar.textContent = data.done + " sur " + data.total;
        var text = data.label.charAt(0).toUpperCase() + data.label.slice(1) + " : " +
          data.done + " foyer(s) étudié(s) sur " + data.total + ".";
        if (status.textContent !== text) { status.textContent = text; }
        if (data.status === "pending" || data.status === "running") { setTimeout(poll, 2000); }
      })
      .catch(function () { setTimeout(poll, 5000); });
  }
  poll();
})();

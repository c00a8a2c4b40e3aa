// Conditional fields of a procedure's page (progressive enhancement). Without this script
// every field stays visible, its help text saying when to fill it, and the server ignores
// the answers whose condition is not met. With it, a field whose condition (on a field of
// the same page) is not met is hidden and disabled: not required, not sent. Focus stays on
// the control the person is using; a polite live region says what appeared or disappeared.
(function () {
  "use strict";
  var form = document.querySelector("form[data-conditions]");
  if (!form) { return; }
  var status = document.getElementById("conditions-status");
  var targets = [];

  form.querySelectorAll("[data-show-if]").forEach(function (element) {
    var box = element.tagName === "FIELDSET" ? element : element.closest(".field");
    var name = element.getAttribute("data-show-if");
    // A condition on an earlier page: its answer is not here, the server decides.
    if (!box || !form.querySelector('[name="' + name + '"]')) { return; }
    var label = element.tagName === "FIELDSET"
      ? box.querySelector("legend")
      : box.querySelector("label");
    targets.push({
      box: box,
      name: name,
      value: element.getAttribute("data-show-if-value") || "",
      label: label ? label.textContent.replace("(obligatoire)", "").trim() : "",
    });
  });
  if (!targets.length) { return; }

  function valueOf(name) {
    var controls = form.querySelectorAll('[name="' + name + '"]');
    var value = "";
    controls.forEach(function (control) {
      if (control.disabled) { return; }
      if (control.type === "checkbox") {
        value = control.checked ? "oui" : "non";
      } else if (control.type === "radio") {
        if (control.checked) { value = control.value; }
      } else {
        value = control.value;
      }
    });
    return value;
  }

  function apply(announce) {
    var shown = [];
    var hidden = [];
    // Conditions may chain (a hidden field hides what depends on it): repeat until stable.
    for (var pass = 0; pass <= targets.length; pass += 1) {
      var changed = false;
      targets.forEach(function (target) {
        var show = valueOf(target.name) === target.value;
        if (show === !target.box.hidden) { return; }
        changed = true;
        target.box.hidden = !show;
        target.box.querySelectorAll("input, select, textarea, button").forEach(function (c) {
          c.disabled = !show;
        });
        (show ? shown : hidden).push(target.label);
      });
      if (!changed) { break; }
    }
    if (!announce || !status) { return; }
    var parts = [];
    if (shown.length) { parts.push("Nouvelle question affichée : " + shown.join(", ") + "."); }
    if (hidden.length) { parts.push("Question masquée : " + hidden.join(", ") + "."); }
    if (parts.length) { status.textContent = parts.join(" "); }
  }

  form.addEventListener("change", function () { apply(true); });
  apply(false);
})();

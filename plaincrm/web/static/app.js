// plaincrm serve: drag a deal card to another stage (the form of each card does the
// same without JavaScript).  The move is posted as the card's own form would be; a
// refusal (a stage gate) is shown on the card, and the page reloads after a move.
"use strict";
(function () {
  var token = document.querySelector('meta[name="csrf-token"]');
  function post(form, extra) {
    var data = new FormData(form);
    Object.keys(extra || {}).forEach(function (k) { data.set(k, extra[k]); });
    return fetch(form.action, {
      method: "POST", body: data, credentials: "same-origin",
      headers: { "X-Requested-With": "fetch", "X-CSRF-Token": token ? token.content : "" }
    }).then(function (r) { return r.json().then(function (body) { return { ok: r.ok, body: body }; }); });
  }
  function moveCard(card, stage) {
    var form = card.querySelector("form.move");
    var refusal = card.querySelector(".refusal");
    card.classList.add("moving");
    post(form, { stage: stage }).then(function (res) {
      card.classList.remove("moving");
      if (res.ok) { window.location.reload(); return; }
      refusal.textContent = res.body.error || "The move was refused.";
      refusal.hidden = false;
    });
  }
  document.querySelectorAll(".card[draggable]").forEach(function (card) {
    card.addEventListener("dragstart", function (e) {
      e.dataTransfer.setData("text/plain", card.id);
      e.dataTransfer.effectAllowed = "move";
    });
  });
  document.querySelectorAll(".column").forEach(function (column) {
    column.addEventListener("dragover", function (e) { e.preventDefault(); column.classList.add("over"); });
    column.addEventListener("dragleave", function () { column.classList.remove("over"); });
    column.addEventListener("drop", function (e) {
      e.preventDefault();
      column.classList.remove("over");
      var card = document.getElementById(e.dataTransfer.getData("text/plain"));
      if (card && card.closest(".column") !== column) { moveCard(card, column.dataset.stage); }
    });
  });
})();

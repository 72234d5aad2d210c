// The room's ballots page (prachum/voting/templates/voting/room_ballots.html): reload
// every ten seconds to show who in the room may still vote and the terminal's state,
// unless the secretary has started filling in a form on it.
let touched = false;
document.addEventListener("input", () => {
  touched = true;
});
document.addEventListener("focusin", (event) => {
  if (event.target.matches("input, select, textarea")) touched = true;
});
setInterval(() => {
  if (!touched) window.location.reload();
}, 10000);

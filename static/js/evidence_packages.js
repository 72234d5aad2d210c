// The evidence page: a package being built shows its progress, and the page reloads
// once it is ready or failed. (A file, not inline: the Content-Security-Policy allows
// scripts from our own origin only.)
"use strict";
for (const row of document.querySelectorAll("tr[data-status-url]")) {
  const poll = async () => {
    const response = await fetch(row.dataset.statusUrl, {credentials: "same-origin"});
    if (!response.ok) return;
    const data = await response.json();
    row.querySelector("progress").value = data.progress;
    row.querySelector(".package-step").textContent = data.label;
    if (data.status === "ready" || data.status === "failed") { if (!row.querySelector("a.button")) location.reload(); return; }
    setTimeout(poll, 1000);
  };
  if (!row.querySelector("a.button") && !row.querySelector(".error")) poll();
}

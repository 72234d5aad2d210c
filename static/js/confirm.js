// A form with ``data-confirm-text`` asks that question before it is sent. (A file,
// not an inline ``onsubmit``: the Content-Security-Policy allows no inline script.)
"use strict";
document.addEventListener("submit", (event) => {
  const form = event.target.closest("form[data-confirm-text]");
  if (form && !window.confirm(form.dataset.confirmText)) event.preventDefault();
});

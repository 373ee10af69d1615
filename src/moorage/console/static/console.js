// Copy buttons: a button with data-copy="ID" copies the text of the element with that id.
"use strict";

function copyText(button) {
  const source = document.getElementById(button.dataset.copy);
  const said = button.parentElement.querySelector(".copied");
  const done = (message) => { if (said) { said.textContent = message; } };
  if (!navigator.clipboard) {
    // Not a secure context (plain HTTP off loopback): select it for the keyboard's copy.
    window.getSelection().selectAllChildren(source);
    done("Selected: press Ctrl+C to copy");
    return;
  }
  navigator.clipboard.writeText(source.textContent).then(
    () => done("Copied"),
    () => { window.getSelection().selectAllChildren(source); done("Selected: press Ctrl+C to copy"); },
  );
}

document.addEventListener("DOMContentLoaded", () => {
  for (const button of document.querySelectorAll("button[data-copy]")) {
    button.addEventListener("click", () => copyText(button));
  }
});

// allauth's webauthn.js only logs a failed passkey ceremony (cancelled, timed out, no authenticator) to the
// console: show the page's own message instead (an element with id "passkey-error", translated in the
// template).
(function () {
  document.addEventListener('allauth.error', function (event) {
    const box = document.getElementById('passkey-error')
    if (!box) {
      return
    }
    event.preventDefault()
    box.hidden = false
    box.focus()
  })
})()

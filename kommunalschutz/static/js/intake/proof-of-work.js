// Proof of work of the anonymous report (docs/protection/anonymous-channel.md), as GlobaLeaks does it.
// The server hands out a signed challenge; this finds a nonce so that SHA-256("<challenge>:<nonce>") starts
// with the asked number of zero bits, with the browser's own Web Crypto, while the person fills in the form.
// A report with a proof does not count against the limit per connection. Without JavaScript, or if the
// work takes too long, the form is sent without a proof and counts: it never blocks a report.
(function () {
  "use strict";
  const form = document.querySelector("form[data-proof-of-work]");
  if (!form || !window.crypto || !window.crypto.subtle || !window.TextEncoder) {
    return;
  }
  const challenge = form.querySelector("input[name=proof_challenge]").value;
  const nonceInput = form.querySelector("input[name=proof_nonce]");
  const status = form.querySelector("[data-proof-status]");
  const bits = parseInt(form.dataset.proofBits, 10);
  const GIVE_UP_MS = 20000; // a very slow device sends without a proof rather than keep the person waiting
  const BATCH = 256; // digests in flight at once: Web Crypto is asynchronous, one at a time would crawl
  const encoder = new TextEncoder();

  function zeroBits(buffer) {
    const bytes = new Uint8Array(buffer);
    let count = 0;
    for (const byte of bytes) {
      if (byte !== 0) {
        return count + Math.clz32(byte) - 24;
      }
      count += 8;
    }
    return count;
  }

  async function solve() {
    if (!challenge || !(bits > 0)) {
      return "";
    }
    const started = performance.now();
    for (let base = 0; ; base += BATCH) {
      const pending = [];
      for (let i = 0; i < BATCH; i += 1) {
        pending.push(crypto.subtle.digest("SHA-256", encoder.encode(challenge + ":" + (base + i))));
      }
      const digests = await Promise.all(pending);
      for (let i = 0; i < BATCH; i += 1) {
        if (zeroBits(digests[i]) >= bits) {
          return String(base + i);
        }
      }
      if (performance.now() - started > GIVE_UP_MS) {
        return "";
      }
    }
  }

  // Started at once: by the time the form is filled in, the work is long done.
  const solving = solve().then(
    function (nonce) { nonceInput.value = nonce; form.dataset.proofDone = nonce ? "solved" : "gave-up"; },
    function () { form.dataset.proofDone = "failed"; }
  );
  let waiting = false;
  form.addEventListener("submit", function (event) {
    if (form.dataset.proofDone || waiting) {
      return;
    }
    event.preventDefault();
    waiting = true;
    if (status) {
      status.textContent = status.dataset.preparing || "";
    }
    solving.then(function () { HTMLFormElement.prototype.submit.call(form); });
  });
})();

/* SISTRA — the mobile clinic's offline app (sistra.clinic, decisions 0121/0122).
   Records live in IndexedDB (idb, from npm), each encrypted with AES-GCM under the device's data key; the
   keys are imported as non-extractable CryptoKeys, so the storage holds no readable record and no raw key.
   Every change carries a client UUID, an idempotency key and (for edits) its base version; packets are
   signed with HMAC-SHA256 under the device's signing key. Data is wiped after a complete sync. */
(function () {
  "use strict";

  var root = document.getElementById("clinic-app");
  if (!root || !window.idb || !window.crypto || !window.crypto.subtle) {
    return;
  }
  var CHUNK = 20;
  var DB_NAME = "sistra-clinica";
  var state = { packet: null, keys: null, pending: [] };
  var dbPromise = window.idb.openDB(DB_NAME, 1, {
    upgrade: function (db) {
      db.createObjectStore("keys");
      db.createObjectStore("vault");
      db.createObjectStore("outbox", { keyPath: "id" });
    }
  });

  function $(id) { return document.getElementById(id); }
  function say(id, text) { var el = $(id); if (el) { el.textContent = text; } }
  function uuid() { return window.crypto.randomUUID(); }
  function today() {
    var d = new Date();
    var m = String(d.getMonth() + 1).padStart(2, "0");
    var day = String(d.getDate()).padStart(2, "0");
    return d.getFullYear() + "-" + m + "-" + day;
  }
  function b64ToBytes(text) {
    var raw = window.atob(text);
    var bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) { bytes[i] = raw.charCodeAt(i); }
    return bytes;
  }
  function hex(buffer) {
    return Array.prototype.map.call(new Uint8Array(buffer), function (b) {
      return b.toString(16).padStart(2, "0");
    }).join("");
  }
  function csrf() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  // --- keys and encryption -------------------------------------------------------------------------------
  async function loadKeys() {
    var db = await dbPromise;
    var device = await db.get("keys", "device");
    if (!device) { return null; }
    return { device: device, data: await db.get("keys", "data"), sign: await db.get("keys", "sign") };
  }

  async function registerDevice() {
    var response = await fetch(root.dataset.devicesUrl, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf() },
      body: JSON.stringify({ name: "Tableta " + today() })
    });
    if (!response.ok) { throw new Error(await errorText(response)); }
    var body = await response.json();
    var subtle = window.crypto.subtle;
    var dataKey = await subtle.importKey("raw", b64ToBytes(body.data_key), { name: "AES-GCM" }, false,
      ["encrypt", "decrypt"]);
    var signKey = await subtle.importKey("raw", b64ToBytes(body.sign_key), { name: "HMAC", hash: "SHA-256" },
      false, ["sign"]);
    var db = await dbPromise;
    var tx = db.transaction("keys", "readwrite");
    await tx.store.put({ uuid: body.uuid }, "device");
    await tx.store.put(dataKey, "data");
    await tx.store.put(signKey, "sign");
    await tx.done;
    return loadKeys();
  }

  async function seal(value) {
    var iv = window.crypto.getRandomValues(new Uint8Array(12));
    var plain = new TextEncoder().encode(JSON.stringify(value));
    var ct = await window.crypto.subtle.encrypt({ name: "AES-GCM", iv: iv }, state.keys.data, plain);
    return { iv: iv, ct: ct };
  }

  async function open(sealed) {
    var plain = await window.crypto.subtle.decrypt({ name: "AES-GCM", iv: sealed.iv }, state.keys.data, sealed.ct);
    return JSON.parse(new TextDecoder().decode(plain));
  }

  async function errorText(response) {
    try {
      var body = await response.json();
      return body.detail || JSON.stringify(body);
    } catch (e) {
      return "HTTP " + response.status;
    }
  }

  // --- the packet ----------------------------------------------------------------------------------------
  async function download() {
    say("app-status", "Descargando el paquete…");
    try {
      state.keys = (await loadKeys()) || (await registerDevice());
      var url = root.dataset.packetUrl + "?device=" + encodeURIComponent(state.keys.device.uuid);
      var response = await fetch(url, { credentials: "same-origin" });
      if (!response.ok) { throw new Error(await errorText(response)); }
      var packet = await response.json();
      var db = await dbPromise;
      await db.put("vault", await seal(packet), "packet");
      state.packet = packet;
      render();
      say("app-status", "Paquete descargado y cifrado en la tableta.");
    } catch (error) {
      say("app-status", "No se pudo descargar el paquete: " + error.message);
    }
  }

  function fillSelect(id, items, blank) {
    var select = $(id);
    if (!select) { return; }
    select.textContent = "";
    if (blank !== undefined) { select.appendChild(new Option(blank, "")); }
    items.forEach(function (item) { select.appendChild(new Option(item.name, item.code)); });
  }

  function knownPatients() {
    var list = (state.packet ? state.packet.patients : []).map(function (p) {
      return { code: p.uuid, name: (p.name || p.code) + " (" + p.code + ")" };
    });
    state.pending.forEach(function (item) {
      if (item.change.entity === "patient") {
        list.push({ code: item.change.uuid, name: item.name + " (nuevo)" });
      }
    });
    return list;
  }

  function render() {
    var packet = state.packet;
    var ready = Boolean(packet && state.keys);
    $("patient-section").hidden = !ready;
    if ($("screening-section")) { $("screening-section").hidden = !ready || !packet.can_screen; }
    if (!ready) {
      say("packet-summary", "Aún no hay paquete en esta tableta.");
      renderPending();
      return;
    }
    say("packet-summary", packet.communities.length + " comunidades, " + packet.patients.length +
      " pacientes conocidos. Paquete del " + packet.generated_on + ".");
    var ref = packet.reference;
    fillSelect("f-community", packet.communities.map(function (c) { return { code: c.uuid, name: c.name }; }));
    fillSelect("f-sex", ref.sexes);
    fillSelect("f-language", ref.languages, "—");
    fillSelect("f-service", ref.services);
    var list = $("cie10-list");
    list.textContent = "";
    ref.cie10.forEach(function (c) { var o = document.createElement("option"); o.value = c.code; o.label = c.code + " " + c.title; list.appendChild(o); });
    if (packet.can_screen && $("screening-form")) {
      fillSelect("s-result", ref.results);
      fillSelect("s-consent", ref.consents);
      fillSelect("s-refer", ref.receiving_agencies, "No derivar");
      var box = $("s-indicators");
      Array.prototype.slice.call(box.querySelectorAll("label")).forEach(function (l) { l.remove(); });
      ref.indicators.forEach(function (ind) {
        var label = document.createElement("label");
        var input = document.createElement("input");
        input.type = "checkbox"; input.name = "indicators"; input.value = ind.code;
        label.appendChild(input);
        label.appendChild(document.createTextNode(" " + ind.name));
        box.appendChild(label);
      });
    }
    renderPending();
  }

  function renderPending() {
    var ul = $("pending-list");
    ul.textContent = "";
    state.pending.forEach(function (item) {
      var li = document.createElement("li");
      li.textContent = item.label;
      li.className = item.errors ? "refused" : "pending";
      li.dataset.entity = item.change.entity;
      if (item.errors) {
        var reasons = document.createElement("span");
        reasons.className = "reasons";
        reasons.textContent = Object.keys(item.errors).map(function (k) { return item.errors[k].join(" "); }).join(" ");
        li.appendChild(reasons);
      }
      ul.appendChild(li);
    });
    say("pending-count", state.pending.length + " registros pendientes.");
    if (state.packet && state.packet.can_screen) {
      fillSelect("s-patient", knownPatients());
    }
  }

  // --- recording offline ---------------------------------------------------------------------------------
  var seq = 0;
  async function keep(change, label, name) {
    var item = { change: change, label: label, name: name || "", seq: Date.now() * 1000 + (seq++), errors: null };
    var db = await dbPromise;
    var sealed = await seal(item);
    sealed.id = change.idempotency_key;
    await db.put("outbox", sealed);
    state.pending.push(item);
  }

  function val(form, name) {
    var el = form.elements[name];
    return el ? el.value.trim() : "";
  }

  async function onPatient(event) {
    event.preventDefault();
    var form = event.target;
    var refused = form.elements.name_refused.checked;
    var patient = {
      entity: "patient", op: "create", uuid: uuid(), idempotency_key: uuid(), data: {
        community: val(form, "community"), registered_on: today(), name_refused: refused,
        first_names: refused ? "" : val(form, "first_names"),
        last_name_paternal: refused ? "" : val(form, "last_name_paternal"),
        last_name_maternal: refused ? "" : val(form, "last_name_maternal"),
        dni: refused ? "" : val(form, "dni"), sex: val(form, "sex"),
        estimated_age: val(form, "estimated_age") || null, language: val(form, "language")
      }
    };
    var name = refused ? "N. N." : [patient.data.first_names, patient.data.last_name_paternal,
      patient.data.last_name_maternal].join(" ").trim();
    await keep(patient, "Paciente: " + name, name);
    if (val(form, "service")) {
      var diagnoses = val(form, "diagnoses").split(/[,;\s]+/).filter(Boolean);
      var consultation = {
        entity: "consultation", op: "create", uuid: uuid(), idempotency_key: uuid(), data: {
          patient: patient.uuid, service: val(form, "service"), attended_on: today(), reason: val(form, "reason"),
          temperature_c: val(form, "temperature_c") || null, heart_rate_bpm: val(form, "heart_rate_bpm") || null,
          diagnoses: diagnoses, treatment: val(form, "treatment")
        }
      };
      await keep(consultation, "Consulta de " + name + ": " + consultation.data.reason);
    }
    form.reset();
    renderPending();
    say("app-status", "Guardado en la tableta (cifrado).");
  }

  async function onScreening(event) {
    event.preventDefault();
    var form = event.target;
    var indicators = Array.prototype.slice.call(form.querySelectorAll("input[name=indicators]:checked"))
      .map(function (i) { return i.value; });
    var change = {
      entity: "screening", op: "create", uuid: uuid(), idempotency_key: uuid(), data: {
        patient: val(form, "patient"), screened_on: today(), indicators: indicators, result: val(form, "result"),
        consent: val(form, "consent"), refer_to: val(form, "refer_to"), action: val(form, "action")
      }
    };
    // the list says only that a screening is pending, never its answers
    await keep(change, "Tamizaje confidencial");
    form.reset();
    renderPending();
    say("app-status", "Tamizaje guardado en la tableta (cifrado).");
  }

  // --- sync ----------------------------------------------------------------------------------------------
  var ORDER = { patient: 0, visit: 1, consultation: 2, screening: 3 };

  async function sendChunk(items) {
    var body = JSON.stringify({ device: state.keys.device.uuid, packet_id: uuid(),
      changes: items.map(function (i) { return i.change; }) });
    var bytes = new TextEncoder().encode(body);
    var signature = hex(await window.crypto.subtle.sign("HMAC", state.keys.sign, bytes));
    var response = await fetch(root.dataset.syncUrl, {
      method: "POST", credentials: "same-origin", body: bytes,
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf(), "X-Sistra-Signature": signature }
    });
    if (!response.ok) { throw new Error(await errorText(response)); }
    return (await response.json()).results;
  }

  async function syncNow() {
    if (!navigator.onLine) {
      say("sync-status", "Sin conexión: se sincronizará cuando vuelva la red.");
      return;
    }
    if (!state.keys) { say("sync-status", "Primero descargue el paquete."); return; }
    var db = await dbPromise;
    var queue = state.pending.slice().sort(function (a, b) {
      return (ORDER[a.change.entity] - ORDER[b.change.entity]) || (a.seq - b.seq);
    });
    var total = queue.length;
    var done = 0;
    var refused = 0;
    try {
      for (var start = 0; start < queue.length; start += CHUNK) {
        var chunk = queue.slice(start, start + CHUNK);
        say("sync-status", "Sincronizando: " + done + " de " + total + "…");
        var results = await sendChunk(chunk);
        for (var i = 0; i < chunk.length; i++) {
          var item = chunk[i];
          var result = results[i] || {};
          if (result.status === "refused") {
            item.errors = result.errors || { __all__: ["Rechazado"] };
            refused += 1;
            var sealed = await seal(item);
            sealed.id = item.change.idempotency_key;
            await db.put("outbox", sealed);
          } else {
            // applied, merged, or queued for a supervisor: the server holds it; the tablet lets it go
            await db.delete("outbox", item.change.idempotency_key);
            state.pending.splice(state.pending.indexOf(item), 1);
          }
          done += 1;
        }
        renderPending();
      }
    } catch (error) {
      // what was acknowledged is gone from the outbox; the rest is sent again next time (a resumed sync)
      say("sync-status", "La sincronización se interrumpió (" + error.message + "). Se reanudará donde quedó.");
      return;
    }
    if (refused) {
      say("sync-status", "Sincronización terminada: " + refused + " registros rechazados, con sus motivos. " +
        "Corríjalos y sincronice de nuevo.");
      return;
    }
    await wipe();
    say("sync-status", "Sincronización completa: " + total + " registros en el servidor. Los datos se borraron " +
      "de la tableta.");
  }

  async function wipe() {
    var db = await dbPromise;
    var tx = db.transaction(["outbox", "vault"], "readwrite");
    await tx.objectStore("outbox").clear();
    await tx.objectStore("vault").clear();
    await tx.done;
    state.packet = null;
    state.pending = [];
    render();
  }

  // --- start ---------------------------------------------------------------------------------------------
  function network() {
    var el = $("net-status");
    el.textContent = navigator.onLine ? "En línea" : "Sin conexión";
    el.className = navigator.onLine ? "online" : "offline";
  }

  async function start() {
    network();
    window.addEventListener("online", network);
    window.addEventListener("offline", network);
    $("download-packet").addEventListener("click", download);
    $("patient-form").addEventListener("submit", onPatient);
    if ($("screening-form")) { $("screening-form").addEventListener("submit", onScreening); }
    $("sync-now").addEventListener("click", syncNow);
    $("f-name-refused").addEventListener("change", function (event) {
      ["f-first-names", "f-last-p", "f-last-m", "f-dni"].forEach(function (id) { $(id).disabled = event.target.checked; });
    });
    state.keys = await loadKeys();
    if (state.keys) {
      var db = await dbPromise;
      var sealedPacket = await db.get("vault", "packet");
      try {
        state.packet = sealedPacket ? await open(sealedPacket) : null;
        var items = await db.getAll("outbox");
        state.pending = [];
        for (var i = 0; i < items.length; i++) { state.pending.push(await open(items[i])); }
        state.pending.sort(function (a, b) { return a.seq - b.seq; });
      } catch (error) {
        say("app-status", "No se pudieron descifrar los datos de esta tableta.");
        return;
      }
    }
    render();
    say("app-status", state.packet ? "Listo para trabajar." : "Descargue el paquete antes de salir.");
    registerWorker();
  }

  function registerWorker() {
    if (!("serviceWorker" in navigator)) { return; }
    var prefix = root.dataset.workbox.replace(/\/[^/]*$/, "");
    var url = root.dataset.swUrl + "?workbox=" + encodeURIComponent(prefix) + "&shell=" +
      encodeURIComponent(root.dataset.shellUrl);
    navigator.serviceWorker.register(url, { scope: root.dataset.swUrl.replace(/[^/]*$/, "") }).then(function () {
      return navigator.serviceWorker.ready;
    }).then(function () {
      root.dataset.offlineReady = "1";
    }).catch(function () {
      say("app-status", "Esta tableta no pudo preparar el trabajo sin conexión.");
    });
  }

  start();
})();

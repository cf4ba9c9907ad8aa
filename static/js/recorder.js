// Lexmeet: the notary's room page records a notarization session (loaded only on the host
// notary's page of a room whose appointment carries a scheduled or in-session case).
// - Nothing is recorded before the applicant's consent: the case is polled until it is
//   in session with consent (the chunk endpoint refuses before that anyway).
// - What is recorded: a canvas composite of every video tile (local and remote, side by side,
//   with names and a UTC clock) plus all parties' audio mixed with WebAudio, through
//   MediaRecorder as WebM, one chunk every `chunk_ms`.
// - Chunks are uploaded in order, one at a time, each retried until the server takes it
//   (409 chunk_exists means an earlier attempt got through). 409 invalid_transition means
//   the case left the session (notarized or terminated): recording stops there.
// - The first chunk of a recorder holds the whole WebM (EBML) header, which the server checks:
//   Chromium cuts its first blob at the timeslice even mid-header (on a loaded machine whose
//   first encoded frame comes later than `chunk_ms` after start(), that blob is the single byte
//   1A), so the recorder's blobs are joined until the first chunk has HEAD_BYTES or it stops.
// - Hang up, kick or room end (room.js's "lexmeet:room-finished") stops the recorder and
//   uploads the last chunk, marked `last` (the server then tells the room recording stopped).
// - When the case leaves the session (notarized or terminated), the server tells the room
//   (`recording {state: "stopped", reason}`, room.js's "lexmeet:recording"): recording stops
//   at once, without uploading what the server would refuse.
"use strict";

(() => {
  const $ = (id) => document.getElementById(id);
  const cfg = JSON.parse($("room-recording").textContent);
  const roomConfig = JSON.parse($("room-config").textContent);
  const T = cfg.texts;
  const FPS = 15;
  const POLL_MS = 2000;
  const HEAD_BYTES = 1024; // the EBML header and the Segment's Info and Tracks take a few hundred
  const statusEl = $("recording-status");

  const rec = {
    state: "waiting", // waiting -> recording -> stopping -> stopped | closed | failed | unsupported
    next: 0, // index of the next chunk
    queue: [], // [{index, blob}] waiting for upload, in order
    uploaded: [], // [{index, size, sha256, local_sha256}] as the server answered
    recorder: null,
    audio: null,
    sources: new Map(), // audio track id -> MediaStreamAudioSourceNode
    timer: null,
    pumping: null,
    upload: null, // the AbortController of the upload in flight
    finished: false,
  };
  window.lexmeetRecorder = rec; // for tests and debugging

  // The mixed audio's peak level now (0 to 1): tests check that sound reaches the recording.
  rec.peak = () => {
    if (!rec.analyser) return 0;
    const samples = new Float32Array(rec.analyser.fftSize);
    rec.analyser.getFloatTimeDomainData(samples);
    return samples.reduce((max, v) => Math.max(max, Math.abs(v)), 0);
  };

  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
  const count = (text) => text.replace("{count}", String(rec.uploaded.length));
  // A browser that has not seen a click on this page yet keeps the audio mixer suspended: say so.
  const recordingText = () => (rec.audio && rec.audio.state !== "running" ? T.no_sound : T.recording);

  function show(state, text) {
    rec.state = state;
    statusEl.dataset.state = state;
    if (statusEl.textContent !== text) statusEl.textContent = text;
  }

  function api(url, options = {}) {
    const headers = { Accept: "application/json", "X-CSRFToken": cfg.csrf_token, ...(options.headers || {}) };
    return fetch(url, { credentials: "same-origin", ...options, headers });
  }

  // --- consent -----------------------------------------------------------------------------

  async function waitForConsent() {
    while (!rec.finished) {
      try {
        const response = await api(cfg.case_url);
        if (response.ok) {
          const data = await response.json();
          if (data.status === "in_session" && data.consent) return true;
          if (data.status !== "in_session" && data.status !== "scheduled") {
            show("closed", count(T.closed));
            return false;
          }
          show("waiting", data.status === "in_session" ? T.waiting_consent : T.waiting_session);
        }
      } catch (error) {
        console.warn("recording: case poll failed", error);
      }
      await sleep(POLL_MS);
    }
    return false;
  }

  // --- what is recorded: a composite of the tiles plus the mixed audio -----------------------

  function tiles() {
    const local = { video: $("local-video"), name: roomConfig.name };
    const remote = [...document.querySelectorAll("#videos figure[data-peer]")].map((figure) => ({
      video: figure.querySelector("video"),
      name: (figure.querySelector("figcaption") || {}).textContent || "",
    }));
    return [local, ...remote].filter((tile) => tile.video);
  }

  function mixAudio(destination) {
    const live = new Map();
    for (const { video } of tiles()) {
      const stream = video.srcObject;
      if (!stream) continue;
      for (const track of stream.getAudioTracks()) if (track.readyState === "live") live.set(track.id, track);
    }
    for (const [id, track] of live) {
      if (rec.sources.has(id)) continue;
      const node = rec.audio.createMediaStreamSource(new MediaStream([track]));
      node.connect(destination);
      node.connect(rec.analyser);
      rec.sources.set(id, node);
    }
    for (const [id, node] of rec.sources) {
      if (!live.has(id)) {
        node.disconnect();
        rec.sources.delete(id);
      }
    }
  }

  function draw(canvas, g) {
    const list = tiles();
    const width = canvas.width / Math.max(list.length, 1);
    g.fillStyle = "#000";
    g.fillRect(0, 0, canvas.width, canvas.height);
    list.forEach(({ video, name }, i) => {
      if (video.readyState >= 2 && video.videoWidth) {
        const scale = Math.min(width / video.videoWidth, canvas.height / video.videoHeight);
        const w = video.videoWidth * scale;
        const h = video.videoHeight * scale;
        g.drawImage(video, i * width + (width - w) / 2, (canvas.height - h) / 2, w, h);
      }
      g.fillStyle = "rgba(0,0,0,.6)";
      g.fillRect(i * width, canvas.height - 32, width, 32);
      g.fillStyle = "#fff";
      g.font = "18px sans-serif";
      g.fillText(name, i * width + 10, canvas.height - 10);
    });
    g.fillStyle = "rgba(0,0,0,.6)";
    g.fillRect(0, 0, 250, 28);
    g.fillStyle = "#fff";
    g.font = "16px monospace";
    g.fillText(new Date().toISOString().slice(0, 19) + "Z", 8, 19);
  }

  function mixedStream() {
    const AudioContext = window.AudioContext || window.webkitAudioContext;
    rec.audio = new AudioContext();
    // Created after a click (admitting the applicant) it runs; otherwise the next click resumes it.
    const resume = () => rec.audio && rec.audio.state === "suspended" && rec.audio.resume();
    resume();
    document.addEventListener("click", resume);
    document.addEventListener("keydown", resume);
    rec.audio.addEventListener("statechange", () => rec.state === "recording" && show("recording", recordingText()));
    const destination = rec.audio.createMediaStreamDestination();
    rec.analyser = rec.audio.createAnalyser(); // the level meter of peak()
    const canvas = document.createElement("canvas");
    canvas.width = 1280;
    canvas.height = 480;
    const g = canvas.getContext("2d");
    const tick = () => {
      draw(canvas, g);
      mixAudio(destination);
    };
    tick();
    rec.timer = setInterval(tick, 1000 / FPS);
    return new MediaStream([...canvas.captureStream(FPS).getVideoTracks(), ...destination.stream.getAudioTracks()]);
  }

  function mimeType() {
    const types = ["video/webm;codecs=vp8,opus", "video/webm;codecs=vp9,opus", "video/webm"];
    return types.find((type) => window.MediaRecorder && MediaRecorder.isTypeSupported(type));
  }

  // --- uploads: in order, each retried ---------------------------------------------------------

  async function sha256(blob) {
    if (!(window.crypto && crypto.subtle)) return null; // not a secure context: the server's hash stands
    const digest = await crypto.subtle.digest("SHA-256", await blob.arrayBuffer());
    return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
  }

  // "ok", "closed" (the case left the session) or "failed" (refused for good).
  async function uploadOne({ index, blob, last }) {
    const local = await sha256(blob);
    for (let attempt = 0; ; attempt += 1) {
      if (rec.state === "closed") return "closed";
      try {
        const form = new FormData();
        form.append("index", String(index));
        form.append("chunk", blob, `chunk-${index}.webm`);
        if (last) form.append("last", "true");
        rec.upload = new AbortController();
        const response = await api(cfg.url, { method: "POST", body: form, signal: rec.upload.signal });
        const body = await response.json().catch(() => ({}));
        const code = body.error && body.error.code;
        if (response.status === 201) {
          if (local && body.sha256 !== local) throw new Error(`chunk ${index}: the server's SHA-256 differs`);
          rec.uploaded.push({ ...body, local_sha256: local });
          return "ok";
        }
        if (response.status === 409 && code === "chunk_exists") return "ok"; // an earlier attempt got through
        if (response.status === 409 && code === "invalid_transition") return "closed";
        if ([400, 403, 404, 413].includes(response.status)) {
          show("failed", T.failed.replace("{error}", (body.error && body.error.message) || String(response.status)));
          return "failed";
        }
        throw new Error(`HTTP ${response.status}`);
      } catch (error) {
        if (rec.state === "closed") return "closed"; // aborted by closed()
        console.warn("recording: upload failed, retrying", error);
        if (rec.state === "recording") show("recording", T.retrying);
        await sleep(Math.min(1000 * 2 ** attempt, 15000));
      }
    }
  }

  function pump() {
    if (rec.pumping) return rec.pumping;
    rec.pumping = (async () => {
      while (rec.queue.length) {
        const outcome = await uploadOne(rec.queue[0]);
        rec.queue.shift();
        if (outcome !== "ok") {
          rec.queue.length = 0;
          halt();
          if (outcome === "closed") show("closed", count(T.closed));
          return;
        }
        if (rec.state === "recording") show("recording", recordingText());
      }
    })().finally(() => {
      rec.pumping = null;
    });
    return rec.pumping;
  }

  // --- start and stop ----------------------------------------------------------------------

  function halt() {
    clearInterval(rec.timer);
    if (rec.recorder && rec.recorder.state !== "inactive") {
      rec.recorder.ondataavailable = null;
      rec.recorder.stop();
    }
    for (const node of rec.sources.values()) node.disconnect();
    rec.sources.clear();
    if (rec.audio) rec.audio.close().catch(() => {});
    rec.audio = null;
  }

  async function start() {
    if (!(await waitForConsent())) return;
    const type = mimeType();
    if (!type || !HTMLCanvasElement.prototype.captureStream) {
      show("unsupported", T.unsupported);
      return;
    }
    try {
      const manifest = await (await api(cfg.url)).json();
      // After a reload the numbering goes on; each recorder's first chunk starts a new WebM stream.
      rec.next = manifest.chunks.reduce((max, chunk) => Math.max(max, chunk.index + 1), 0);
      const recorder = new MediaRecorder(mixedStream(), {
        mimeType: type,
        videoBitsPerSecond: 1_000_000,
        audioBitsPerSecond: 64_000,
      });
      rec.recorder = recorder;
      let head = []; // blobs of this recorder's first chunk, joined until it holds the header
      recorder.ondataavailable = ({ data }) => {
        if (!data || !data.size) return;
        if (head) {
          head.push(data);
          data = new Blob(head, { type: data.type });
          if (data.size < HEAD_BYTES && recorder.state !== "inactive") return; // inactive: the last one
          head = null;
        }
        rec.queue.push({ index: rec.next, blob: data, last: recorder.state === "inactive" });
        rec.next += 1;
        pump();
      };
      recorder.onerror = (event) => {
        halt();
        show("failed", T.failed.replace("{error}", (event.error && event.error.name) || "MediaRecorder"));
      };
      if (rec.finished) {
        halt(); // hung up while we were starting
        return;
      }
      recorder.start(cfg.chunk_ms);
      show("recording", recordingText());
    } catch (error) {
      halt();
      show("failed", T.failed.replace("{error}", error.message || String(error)));
    }
  }

  function stop() {
    if (rec.finished) return;
    rec.finished = true;
    const recorder = rec.recorder;
    if (!recorder || recorder.state === "inactive" || rec.state !== "recording") {
      if (rec.state === "waiting") show("stopped", count(T.stopped));
      return;
    }
    show("stopping", T.stopping);
    // stop() hands over the last chunk (dataavailable) and then fires "stop".
    recorder.addEventListener("stop", async () => {
      halt();
      while (rec.pumping || rec.queue.length) await (rec.pumping || pump());
      if (rec.state === "stopping") show("stopped", count(T.stopped));
    });
    recorder.stop();
  }

  function closed() {
    // The case left the session: what is still queued or in flight would be refused (409).
    if (rec.state === "closed") return;
    rec.finished = true;
    halt();
    rec.queue.length = 0;
    show("closed", count(T.closed));
    if (rec.upload) rec.upload.abort();
  }

  document.addEventListener("lexmeet:room-finished", stop);
  document.addEventListener("lexmeet:recording", ({ detail }) => {
    if (detail.state === "stopped" && (detail.reason === "notarized" || detail.reason === "terminated")) closed();
  });
  window.addEventListener("beforeunload", (event) => {
    // Leaving with a chunk still to upload would lose it: ask first.
    if (rec.state === "recording" || rec.state === "stopping" || rec.queue.length) {
      event.preventDefault();
      event.returnValue = "";
    }
  });

  start();
})();

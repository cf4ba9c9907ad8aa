// Lexmeet video room: WebRTC peer-to-peer, signaling over /ws/rooms/{room_id}/ (DESIGN.md, Video).
// No build step. Rules followed here:
// - the newcomer offers to the peers already in the room; they answer. A peer is announced
//   once per connection of theirs (`peer.connection`): a repeated announcement of the same
//   connection changes nothing, and if no offer follows a new one within 6 s (12 s), we offer;
// - later renegotiation uses the perfect-negotiation pattern; the host is impolite
//   (between two non-hosts, the lower peer id is impolite);
// - candidates that arrive before the remote description are queued, not dropped;
// - after a signaling drop the socket reconnects and every peer connection restarts ICE;
//   a peer connection stuck for 3 s is rebuilt; a weak uplink falls back to audio only.
"use strict";

(() => {
  const config = JSON.parse(document.getElementById("room-config").textContent);
  const T = JSON.parse(document.getElementById("room-text").textContent);
  const $ = (id) => document.getElementById(id);
  const FINAL_CLOSES = new Set([4001, 4400, 4401, 4403, 4404, 4409, 4410, 4413, 4429]);
  const STUCK_MS = 3000;

  const room = {
    myId: config.peer_id,
    role: config.role,
    iceServers: config.ice_servers || [],
    ws: null,
    stream: null,
    peers: new Map(), // peer_id -> {info, pc, polite, makingOffer, ignoreOffer, queued, tile, stuckTimer, offerTimer, fingerprint}
    final: false,
    retries: 0,
    pingTimer: null,
    audioOnly: false,
  };
  window.lexmeetRoom = room; // for tests and debugging

  function status(text) {
    $("status").textContent = text;
  }

  function send(message) {
    if (room.ws && room.ws.readyState === WebSocket.OPEN) room.ws.send(JSON.stringify(message));
  }

  // --- media ------------------------------------------------------------------

  async function startMedia() {
    try {
      room.stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: true });
      $("devices").textContent = T.devices_ok;
    } catch (error) {
      try {
        room.stream = await navigator.mediaDevices.getUserMedia({ audio: true });
        $("devices").textContent = T.audio_only_device;
      } catch (error2) {
        room.stream = new MediaStream();
        $("devices").textContent = T.no_devices;
      }
    }
    $("local-video").srcObject = room.stream;
  }

  function setTrackEnabled(kind, enabled) {
    room.stream.getTracks().filter((t) => t.kind === kind).forEach((t) => (t.enabled = enabled));
  }

  function toggle(kind, button, onText, offText) {
    const track = room.stream.getTracks().find((t) => t.kind === kind);
    if (!track) return;
    const muted = track.enabled; // it is on now, so this click mutes
    setTrackEnabled(kind, !muted);
    button.setAttribute("aria-pressed", String(muted));
    button.textContent = muted ? onText : offText;
    send({ type: "mute", kind, muted });
  }

  function setAudioOnly(on, reason) {
    room.audioOnly = on;
    $("btn-audio-only").setAttribute("aria-pressed", String(on));
    for (const peer of room.peers.values()) {
      for (const sender of peer.pc ? peer.pc.getSenders() : []) {
        if (sender.track && sender.track.kind === "video") {
          const params = sender.getParameters();
          if (params.encodings && params.encodings.length) {
            params.encodings[0].active = !on;
            sender.setParameters(params).catch(() => {});
          }
        }
      }
    }
    if (reason) $("devices").textContent = reason;
    send({ type: "mute", kind: "video", muted: on });
  }

  // --- peer connections (perfect negotiation) -----------------------------------

  function isPolite(peerId, peerRole) {
    if (room.role === "host") return false;
    if (peerRole === "host") return true;
    return Number(room.myId) > Number(peerId);
  }

  function fingerprintOf(sdp) {
    const match = /a=fingerprint:\S+ (\S+)/.exec(sdp || "");
    return match ? match[1] : null;
  }

  function tileFor(peer) {
    if (peer.tile) return peer.tile;
    const figure = document.createElement("figure");
    figure.className = "tile";
    figure.dataset.peer = peer.info.peer_id;
    const video = document.createElement("video");
    video.autoplay = true;
    video.playsInline = true;
    const caption = document.createElement("figcaption");
    caption.textContent = peer.info.name;
    figure.append(video, caption);
    $("videos").append(figure);
    peer.tile = figure;
    return figure;
  }

  function createPc(peer, { withTracks }) {
    if (peer.pc) peer.pc.close();
    const pc = new RTCPeerConnection({ iceServers: room.iceServers });
    peer.pc = pc;
    peer.makingOffer = false;
    peer.ignoreOffer = false;
    peer.queued = [];
    peer.fingerprint = null;
    const to = peer.info.peer_id;
    pc.onicecandidate = ({ candidate }) => send({ type: "candidate", to, candidate: candidate ? candidate.toJSON() : null });
    pc.onnegotiationneeded = async () => {
      try {
        peer.makingOffer = true;
        await pc.setLocalDescription();
        send({ type: "offer", to, sdp: pc.localDescription.sdp });
      } catch (error) {
        console.warn("negotiation failed", error);
      } finally {
        peer.makingOffer = false;
      }
    };
    pc.ontrack = ({ streams, track }) => {
      const video = tileFor(peer).querySelector("video");
      video.srcObject = streams[0] || new MediaStream([track]);
    };
    pc.onconnectionstatechange = () => watchConnection(peer, pc);
    if (withTracks) addTracks(pc, { offering: true });
    return pc;
  }

  function addTracks(pc, { offering = false } = {}) {
    const present = new Set(pc.getSenders().map((s) => s.track && s.track.id));
    for (const track of room.stream.getTracks()) {
      if (!present.has(track.id)) pc.addTrack(track, room.stream);
    }
    if (offering) {
      // Without a camera or microphone we still offer to receive theirs.
      for (const kind of ["audio", "video"]) {
        if (!room.stream.getTracks().some((t) => t.kind === kind)) pc.addTransceiver(kind, { direction: "recvonly" });
      }
    }
  }

  function watchConnection(peer, pc) {
    if (peer.pc !== pc) return;
    renderPeers();
    clearTimeout(peer.stuckTimer);
    const state = pc.connectionState;
    if (state === "failed") pc.restartIce();
    if (state === "connecting" || state === "disconnected" || state === "failed") {
      peer.stuckTimer = setTimeout(() => {
        if (peer.pc !== pc || pc.connectionState === "connected") return;
        if (!peer.polite) {
          // Rebuild: a fresh connection (new DTLS fingerprint) that we offer; the other side follows.
          createPc(peer, { withTracks: true });
        } else {
          pc.restartIce();
        }
      }, STUCK_MS);
    }
  }

  async function onDescription(peer, type, sdp) {
    const fingerprint = fingerprintOf(sdp);
    if (type === "offer" && peer.pc && peer.fingerprint && fingerprint && fingerprint !== peer.fingerprint) {
      createPc(peer, { withTracks: false }); // the other side rebuilt or reloaded: follow it
    }
    const fresh = !peer.pc;
    const pc = peer.pc || createPc(peer, { withTracks: false });
    const collision = type === "offer" && (peer.makingOffer || pc.signalingState !== "stable");
    peer.ignoreOffer = !peer.polite && collision;
    if (peer.ignoreOffer) return;
    await pc.setRemoteDescription({ type, sdp });
    peer.fingerprint = fingerprint;
    for (const candidate of peer.queued.splice(0)) await addCandidate(peer, candidate);
    if (type === "offer") {
      if (fresh || pc.getSenders().every((s) => !s.track)) addTracks(pc);
      await pc.setLocalDescription();
      send({ type: "answer", to: peer.info.peer_id, sdp: pc.localDescription.sdp });
    }
  }

  async function addCandidate(peer, candidate) {
    try {
      await peer.pc.addIceCandidate(candidate || null);
    } catch (error) {
      if (!peer.ignoreOffer) console.warn("candidate refused", error);
    }
  }

  function ensurePeer(info) {
    let peer = room.peers.get(info.peer_id);
    if (!peer) {
      peer = { info, pc: null, polite: isPolite(info.peer_id, info.role), queued: [], state: info.state || "online" };
      room.peers.set(info.peer_id, peer);
    }
    peer.info = { ...peer.info, ...info };
    return peer;
  }

  function expectOffer(peer) {
    // Never a stall: should their offer not come (a lost frame, a server that announced twice),
    // we offer. The impolite side waits 6 s, the polite one 12 s, so that two pages that both
    // wait do not offer at once; should they still cross, perfect negotiation settles it.
    clearTimeout(peer.offerTimer);
    peer.offerTimer = setTimeout(
      () => {
        if (room.final || room.peers.get(peer.info.peer_id) !== peer || peer.pc || peer.state !== "online") return;
        createPc(peer, { withTracks: true });
      },
      (peer.polite ? 4 : 2) * STUCK_MS,
    );
  }

  function dropPeer(peerId) {
    const peer = room.peers.get(peerId);
    if (!peer) return;
    clearTimeout(peer.stuckTimer);
    clearTimeout(peer.offerTimer);
    if (peer.pc) peer.pc.close();
    if (peer.tile) peer.tile.remove();
    room.peers.delete(peerId);
  }

  // --- lists ---------------------------------------------------------------------

  function button(text, onClick, className = "") {
    const b = document.createElement("button");
    b.type = "button";
    b.className = className;
    b.textContent = text;
    b.addEventListener("click", onClick);
    return b;
  }

  function renderPeers() {
    const list = $("peers");
    list.replaceChildren();
    for (const peer of room.peers.values()) {
      const li = document.createElement("li");
      li.dataset.peer = peer.info.peer_id;
      const flags = [];
      if (peer.state === "reconnecting") flags.push(T.peer_reconnecting);
      if (peer.info.muted && peer.info.muted.audio) flags.push(T.muted);
      if (peer.info.muted && peer.info.muted.video) flags.push(T.camera_off);
      const pcState = peer.pc ? peer.pc.connectionState : "new";
      li.textContent = `${peer.info.name} (${peer.info.role}) ${flags.join(", ")}`;
      li.dataset.connection = pcState;
      if (room.role === "host") {
        li.append(button(T.remove, () => send({ type: "kick", peer_id: peer.info.peer_id }), "secondary"));
      }
      list.append(li);
    }
  }

  const waiting = new Map();

  function renderLobby() {
    const list = $("lobby");
    if (!list) return;
    list.replaceChildren();
    if (!waiting.size) {
      const li = document.createElement("li");
      li.className = "muted empty";
      li.textContent = T.nobody_waiting;
      list.append(li);
    }
    for (const info of waiting.values()) {
      const li = document.createElement("li");
      li.dataset.peer = info.peer_id;
      li.textContent = `${info.name} (${info.role})`;
      li.append(
        button(T.admit, () => send({ type: "admit", peer_id: info.peer_id })),
        button(T.deny, () => send({ type: "deny", peer_id: info.peer_id }), "secondary"),
      );
      list.append(li);
    }
  }

  // --- signaling -------------------------------------------------------------------

  const handlers = {
    lobby() {
      status(T.lobby);
    },
    admitted() {
      status(T.in_room);
    },
    joined(m) {
      room.myId = m.peer_id;
      room.iceServers = m.ice_servers || room.iceServers;
      room.retries = 0;
      status(T.in_room);
      const present = new Set(m.peers.map((p) => p.peer_id));
      for (const peerId of [...room.peers.keys()]) if (!present.has(peerId)) dropPeer(peerId);
      for (const info of m.peers) {
        const peer = ensurePeer(info);
        peer.state = info.state || "online";
        if (peer.pc && peer.pc.connectionState !== "closed") {
          peer.pc.setConfiguration({ iceServers: room.iceServers });
          peer.pc.restartIce(); // we come back after a drop: new candidates, same connection
        } else if (peer.state === "online") {
          createPc(peer, { withTracks: true }); // newcomer: adding tracks triggers our offer
        }
      }
      for (const info of m.waiting || []) waiting.set(info.peer_id, info);
      renderPeers();
      renderLobby();
    },
    "peer-joined"(m) {
      waiting.delete(m.peer.peer_id);
      const known = room.peers.get(m.peer.peer_id);
      // The connection we already know of (from `joined.peers` or an earlier announcement): nothing changed.
      const repeat = !!known && !!m.peer.connection && known.info.connection === m.peer.connection;
      const peer = ensurePeer(m.peer);
      peer.state = "online";
      if (!repeat && !m.peer.resumed) {
        // A fresh page of theirs: they will offer on a new connection.
        if (peer.pc) peer.pc.close();
        peer.pc = null;
        expectOffer(peer);
      }
      renderPeers();
      renderLobby();
    },
    "peer-waiting"(m) {
      waiting.set(m.peer.peer_id, m.peer);
      renderLobby();
    },
    "peer-reconnecting"(m) {
      const peer = room.peers.get(m.peer_id);
      if (peer) peer.state = "reconnecting";
      renderPeers();
    },
    "peer-left"(m) {
      waiting.delete(m.peer_id);
      dropPeer(m.peer_id);
      renderPeers();
      renderLobby();
    },
    "peer-updated"(m) {
      const peer = room.peers.get(m.peer.peer_id);
      if (peer) peer.info = { ...peer.info, ...m.peer };
      renderPeers();
    },
    async offer(m) {
      const peer = room.peers.get(m.from);
      if (peer) await onDescription(peer, "offer", m.sdp);
    },
    async answer(m) {
      const peer = room.peers.get(m.from);
      if (peer && peer.pc) await onDescription(peer, "answer", m.sdp);
    },
    async candidate(m) {
      const peer = room.peers.get(m.from);
      if (!peer) return;
      if (!peer.pc || !peer.pc.remoteDescription) peer.queued.push(m.candidate);
      else await addCandidate(peer, m.candidate);
    },
    kicked() {
      finish(T.kicked);
    },
    "room-ended"(m) {
      finish({ cancelled: T.cancelled, rescheduled: T.rescheduled }[m.reason] || T.ended);
    },
    error(m) {
      if (m.code === "replaced") finish(T.replaced);
      else console.warn("signaling error", m);
    },
    recording(m) {
      // The server says when the notary's recorder started or stopped (`recording {state, reason?}`).
      const live = $("recording-live");
      if (live) {
        const on = m.state === "started";
        live.dataset.state = on ? "recording" : "stopped";
        live.textContent = on ? T.recording_on : T.recording_off;
      }
      document.dispatchEvent(new CustomEvent("lexmeet:recording", { detail: m })); // recorder.js listens
    },
    pong() {},
  };

  let queue = Promise.resolve();

  function connect() {
    status(T.connecting);
    const ws = new WebSocket(config.ws_url);
    room.ws = ws;
    ws.onmessage = (event) => {
      const message = JSON.parse(event.data);
      const handler = handlers[message.type];
      // Handle messages one at a time, in arrival order (offers, answers and candidates depend on it).
      if (handler) queue = queue.then(() => handler(message)).catch((error) => console.warn(error));
    };
    ws.onopen = () => {
      clearInterval(room.pingTimer);
      room.pingTimer = setInterval(() => send({ type: "ping" }), 10000);
    };
    ws.onclose = (event) => {
      clearInterval(room.pingTimer);
      if (room.final) return;
      if (FINAL_CLOSES.has(event.code)) {
        const text = { 4410: T.ended, 4403: T.kicked, 4409: T.full, 4001: T.replaced }[event.code] || T.refused;
        finish(text);
        return;
      }
      // A drop: come back within the server's 20 s grace (1, 2, 4, 8 s...).
      status(T.reconnecting);
      for (const peer of room.peers.values()) peer.state = "reconnecting";
      const delay = Math.min(1000 * 2 ** room.retries, 8000);
      room.retries += 1;
      setTimeout(connect, delay);
    };
  }

  function finish(text) {
    // Before the tracks stop: the notary's recorder (recorder.js) takes its last chunk now.
    if (!room.final) document.dispatchEvent(new CustomEvent("lexmeet:room-finished", { detail: { text } }));
    room.final = true;
    status(text);
    clearInterval(room.pingTimer);
    for (const peerId of [...room.peers.keys()]) dropPeer(peerId);
    if (room.stream) room.stream.getTracks().forEach((t) => t.stop());
    if (room.ws && room.ws.readyState === WebSocket.OPEN) room.ws.close(1000);
    document.querySelectorAll(".controls button").forEach((b) => (b.disabled = true));
  }

  // --- weak connection: audio only -----------------------------------------------------

  async function checkUplink() {
    if (room.audioOnly || room.final) return;
    for (const peer of room.peers.values()) {
      if (!peer.pc || peer.pc.connectionState !== "connected") continue;
      const stats = await peer.pc.getStats();
      for (const report of stats.values()) {
        if (report.type === "candidate-pair" && report.nominated && report.availableOutgoingBitrate !== undefined) {
          if (report.availableOutgoingBitrate < 150000) {
            setAudioOnly(true, T.weak);
            return;
          }
        }
      }
    }
  }

  // --- start ---------------------------------------------------------------------------

  async function start() {
    await startMedia();
    $("btn-mic").addEventListener("click", (e) => toggle("audio", e.currentTarget, T.unmute, T.mute));
    $("btn-cam").addEventListener("click", (e) => toggle("video", e.currentTarget, T.camera_on, T.camera_off_btn));
    $("btn-audio-only").addEventListener("click", () => setAudioOnly(!room.audioOnly));
    $("btn-hangup").addEventListener("click", () => {
      send({ type: "leave" });
      finish(T.left);
    });
    const end = $("btn-end");
    if (end) end.addEventListener("click", () => window.confirm(T.confirm_end) && send({ type: "end" }));
    setInterval(checkUplink, 5000);
    connect();
  }

  start();
})();

// The meeting room's audio and video: Janus VideoRoom through Debian's janus.js.
//
// The web app hands out the join details (room, PIN, a signed Janus token) only to a
// person who passed this meeting's identity check (GET data-join-url). This module
// publishes the person's microphone (and camera, if chosen), subscribes to every other
// publisher with one handle per feed, shows who is speaking (audio level from the
// receivers' statistics), measures the connection (round-trip time and loss from
// getStats), and recovers by itself: an ICE restart first, then a fresh join with a
// fresh token. Screen sharing is offered to whoever has the floor (room.js sends the
// room state as a "prachum:room-state" event).
//
// window.prachumMedia is a small status object for people debugging and for the tests.

const VIDEOROOM = "janus.plugin.videoroom";
const STATS_MS = 2000;
const ICE_GRACE_MS = 3000; // "disconnected" often heals by itself
const ICE_RESTART_MS = 8000; // then an ICE restart gets this long
const REJOIN_BACKOFF_MS = [1000, 2000, 4000, 8000, 10000];
const TALKING_LEVEL = 0.02;

const status = {
  state: "idle", // idle, unavailable, joining, publishing, reconnecting, failed, left
  mode: null, // "video" (audio and video) or "audio"
  publishing: false,
  feeds: 0, // remote publishers subscribed to
  remoteAudio: 0, // remote audio tracks playing
  remoteVideo: 0,
  heard: {}, // feed id -> highest audio level received
  iceState: null,
  joinMs: null, // ms from navigation start to the click on "join"
  iceConnectedMs: null, // ms from navigation start to the first ICE "connected"
  publisherId: null, // this person's id in the Janus room (names the recordings)
  connectedAt: null, // epoch ms when media last came up
  leftAt: null,
  connectedMs: 0, // total ms with media up, over all segments
  muted: false,
  cameraOff: false,
  sharing: false,
  speaker: null, // feed id of the active speaker
  quality: null, // {level, rttMs, lossPct}
  reconnects: 0,
  iceRestarts: 0,
  lastError: null,
};
window.prachumMedia = status;

function byId(id) {
  return document.getElementById(id);
}

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "text") node.textContent = value;
    else if (key === "className") node.className = value;
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children) if (child) node.append(child);
  return node;
}

function fmt(text, values) {
  return text.replace(/%\((\w+)\)s/g, (_, key) => String(values[key] ?? "")).replace(/%%/g, "%");
}

// Connection quality from one publisher's statistics: worst of RTT and loss.
export function qualityOf(rttMs, lossPct) {
  if (rttMs === null && lossPct === null) return "unknown";
  if ((rttMs ?? 0) > 400 || (lossPct ?? 0) > 5) return "poor";
  if ((rttMs ?? 0) > 150 || (lossPct ?? 0) > 1) return "fair";
  return "good";
}

class MediaClient {
  constructor(root) {
    this.root = root;
    this.t = root.dataset; // labels rendered by the template, already translated
    this.janus = null;
    this.info = null;
    this.pub = null; // the publisher handle
    this.feeds = new Map(); // feed id -> {handle, tile, stream, display}
    this.privateId = null;
    this.myId = null;
    this.roomState = null;
    this.statsTimer = null;
    this.iceTimer = null;
    this.rejoinTimer = null;
    this.attempt = 0;
    this.stopped = true;
    this.screenMid = null;
    this.testing = null; // the microphone test {stream, context, frame}
    this.lastPacketsLost = 0;
    this.lastPacketsSeen = 0;
    this.mode = null;
    this.screenTrack = undefined;
  }

  start() {
    if (typeof window.Janus === "undefined") {
      this.unavailable(this.t.labelMissing);
      return;
    }
    window.Janus.init({
      debug: false,
      dependencies: window.Janus.useDefaultDependencies(),
      callback: () => this.ready(),
    });
  }

  ready() {
    if (!window.Janus.isWebrtcSupported()) {
      this.unavailable(this.t.labelNoWebrtc);
      return;
    }
    byId("media-join-video").addEventListener("click", () => this.join("video"));
    byId("media-join-audio").addEventListener("click", () => this.join("audio"));
    byId("media-test").addEventListener("click", () => this.toggleMicTest());
    byId("media-mute").addEventListener("click", () => this.toggleMute());
    byId("media-camera").addEventListener("click", () => this.toggleCamera());
    byId("media-screen").addEventListener("click", () => this.toggleScreen());
    byId("media-leave").addEventListener("click", () => this.leave());
    navigator.mediaDevices.addEventListener?.("devicechange", () => this.listDevices());
    document.addEventListener("prachum:room-state", (event) => this.roomChanged(event.detail));
    this.listDevices();
    this.show("idle");
  }

  // --- devices and the microphone test ---------------------------------------

  async listDevices() {
    let devices = [];
    try {
      devices = await navigator.mediaDevices.enumerateDevices();
    } catch {
      return;
    }
    for (const [kind, id] of [
      ["audioinput", "media-mic-select"],
      ["videoinput", "media-camera-select"],
    ]) {
      const select = byId(id);
      const keep = select.value;
      const found = devices.filter((d) => d.kind === kind);
      select.replaceChildren(
        el("option", { value: "", text: this.t.labelDefaultDevice }),
        ...found.map((d, n) =>
          el("option", { value: d.deviceId, text: d.label || `${kind === "audioinput" ? this.t.labelMic : this.t.labelCamera} ${n + 1}` }),
        ),
      );
      if ([...select.options].some((o) => o.value === keep)) select.value = keep;
    }
  }

  capture(kind) {
    const id = byId(kind === "audio" ? "media-mic-select" : "media-camera-select").value;
    return id ? { deviceId: { exact: id } } : true;
  }

  async toggleMicTest() {
    const meter = byId("media-level");
    if (this.testing) {
      this.stopMicTest();
      return;
    }
    try {
      const capture = this.capture("audio");
      const stream = await navigator.mediaDevices.getUserMedia({ audio: capture === true ? true : capture });
      const context = new AudioContext();
      const analyser = context.createAnalyser();
      analyser.fftSize = 1024;
      context.createMediaStreamSource(stream).connect(analyser);
      const samples = new Float32Array(analyser.fftSize);
      this.testing = { stream, context, frame: 0 };
      const draw = () => {
        if (!this.testing) return;
        analyser.getFloatTimeDomainData(samples);
        let peak = 0;
        for (const v of samples) peak = Math.max(peak, Math.abs(v));
        meter.value = Math.min(1, peak * 2);
        if (peak > 0.01) meter.dataset.moved = "true";
        this.testing.frame = requestAnimationFrame(draw);
      };
      draw();
      byId("media-test").textContent = this.t.labelStopTest;
      this.listDevices(); // labels appear once the browser has permission
      setTimeout(() => this.stopMicTest(), 15000);
    } catch (error) {
      this.fail(fmt(this.t.labelRefused, { reason: error.name || String(error) }), false);
    }
  }

  stopMicTest() {
    if (!this.testing) return;
    cancelAnimationFrame(this.testing.frame);
    this.testing.stream.getTracks().forEach((track) => track.stop());
    this.testing.context.close();
    this.testing = null;
    byId("media-level").value = 0;
    byId("media-test").textContent = this.t.labelTest;
  }

  // --- joining ----------------------------------------------------------------

  async fetchJoin() {
    const asRoom = byId("media-as-room");
    const url = this.root.dataset.joinUrl + (asRoom && asRoom.checked ? "?as=room" : "");
    const response = await fetch(url, {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    });
    let body = {};
    try {
      body = await response.json();
    } catch {
      body = {};
    }
    if (!response.ok) {
      const message = body.message || (response.status === 403 ? this.t.labelForbidden : this.t.labelUnavailable);
      const error = new Error(message);
      error.status = response.status;
      throw error;
    }
    return body;
  }

  async join(mode) {
    this.stopMicTest();
    status.joinMs = Math.round(performance.now());
    this.mode = mode;
    status.mode = mode;
    this.stopped = false;
    this.attempt = 0;
    await this.connect();
  }

  async connect() {
    clearTimeout(this.rejoinTimer);
    this.rejoinTimer = null;
    this.show(status.reconnects ? "reconnecting" : "joining");
    try {
      this.info = await this.fetchJoin();
    } catch (error) {
      if (error.status === 403 || error.status === 404) {
        this.fail(error.message, false);
        this.stopped = true;
        return;
      }
      this.fail(error.message, true);
      return;
    }
    if (this.stopped) return;
    if (this.mode === "video" && !this.info.publish.video) this.mode = "audio";
    status.mode = this.mode;
    this.janus = new window.Janus({
      server: this.info.server,
      token: this.info.token,
      iceServers: this.info.ice_servers || [],
      success: () => this.attachPublisher(),
      error: (error) => this.sessionLost(error),
      destroyed: () => {},
    });
  }

  attachPublisher() {
    const janus = this.janus;
    janus.attach({
      plugin: VIDEOROOM,
      opaqueId: this.info.opaque_id,
      success: (handle) => {
        if (janus !== this.janus) return;
        this.pub = handle;
        handle.send({
          message: {
            request: "join",
            ptype: "publisher",
            room: this.info.room,
            pin: this.info.pin,
            display: this.info.display,
          },
        });
      },
      error: (error) => this.sessionLost(error),
      iceState: (state) => this.iceChanged(state),
      webrtcState: (up) => this.webrtcChanged(up),
      slowLink: () => this.noteQuality({ slow: true }),
      onmessage: (message, jsep) => this.publisherMessage(message, jsep),
      onlocaltrack: (track, on) => this.localTrack(track, on),
      onremotetrack: () => {},
      oncleanup: () => {
        status.publishing = false;
      },
    });
  }

  publisherMessage(message, jsep) {
    const event = message.videoroom;
    if (message.error) {
      // 433: not allowed (a wrong PIN or a removal); the rest are server problems.
      this.fail(message.error, message.error_code !== 433);
      return;
    }
    if (event === "joined") {
      this.myId = message.id;
      status.publisherId = message.id;
      this.privateId = message.private_id;
      this.publish();
      this.subscribeAll(message.publishers || []);
    } else if (event === "event") {
      if (message.publishers) this.subscribeAll(message.publishers);
      const gone = message.leaving ?? message.unpublished;
      if (gone === "ok") status.publishing = false;
      else if (gone !== undefined) this.dropFeed(gone);
      if (message.moderation === "muted" && message.id === this.myId) this.flash(this.t.labelMutedByChair);
    } else if (event === "talking" || event === "stopped-talking") {
      this.setSpeaker(event === "talking" ? message.id : null);
    } else if (event === "destroyed") {
      this.leave();
    }
    if (jsep && this.pub) this.pub.handleRemoteJsep({ jsep });
  }

  publish(fallback = false) {
    const tracks = [{ type: "audio", capture: this.capture("audio"), recv: false }];
    if (this.mode === "video" && !fallback) tracks.push({ type: "video", capture: this.capture("video"), recv: false });
    this.pub.createOffer({
      tracks,
      success: (jsep) => {
        this.pub.send({
          message: { request: "configure", audio: true, video: this.mode === "video" && !fallback },
          jsep,
        });
        status.publishing = true;
        if (status.muted) this.pub.muteAudio();
      },
      error: (error) => {
        // No camera (or no permission for it): keep the person in with audio alone.
        if (this.mode === "video" && !fallback) {
          this.mode = "audio";
          status.mode = "audio";
          this.publish(true);
          return;
        }
        this.fail(fmt(this.t.labelRefused, { reason: error.name || String(error) }), false);
      },
    });
  }

  localTrack(track, on) {
    const video = byId("media-self-video");
    const stream = video.srcObject instanceof MediaStream ? video.srcObject : new MediaStream();
    if (track.kind !== "video") return;
    if (on && this.isScreen(track)) return; // the screen is not shown back to its sharer
    if (on) {
      stream.getVideoTracks().forEach((t) => stream.removeTrack(t));
      stream.addTrack(track);
      video.srcObject = stream;
    } else {
      stream.removeTrack(track);
    }
  }

  isScreen(track) {
    return this.screenTrack !== undefined && this.screenTrack === track;
  }

  // --- the others ------------------------------------------------------------

  subscribeAll(publishers) {
    for (const publisher of publishers) {
      if (publisher.id === this.myId || this.feeds.has(publisher.id)) continue;
      if (publisher.dummy) continue;
      this.subscribe(publisher);
    }
  }

  subscribe(publisher) {
    const feed = {
      id: publisher.id,
      display: publisher.display || "",
      handle: null,
      stream: new MediaStream(),
      tile: null,
    };
    this.feeds.set(publisher.id, feed);
    feed.tile = this.addTile(feed);
    this.janus.attach({
      plugin: VIDEOROOM,
      opaqueId: this.info.opaque_id,
      success: (handle) => {
        feed.handle = handle;
        handle.send({
          message: {
            request: "join",
            ptype: "subscriber",
            room: this.info.room,
            pin: this.info.pin,
            private_id: this.privateId,
            streams: [{ feed: publisher.id }],
          },
        });
      },
      error: () => this.dropFeed(publisher.id),
      onmessage: (message, jsep) => {
        if (message.error) {
          this.dropFeed(publisher.id);
          return;
        }
        if (!jsep) return;
        feed.handle.createAnswer({
          jsep,
          tracks: [{ type: "data" }], // receive whatever is offered, send nothing
          success: (answer) => feed.handle.send({ message: { request: "start", room: this.info.room }, jsep: answer }),
          error: () => this.dropFeed(publisher.id),
        });
      },
      onremotetrack: (track, mid, on) => this.remoteTrack(feed, track, on),
      oncleanup: () => {},
    });
    this.countFeeds();
  }

  addTile(feed) {
    const video = el("video", { autoplay: true, playsinline: true });
    const tile = el(
      "figure",
      { className: "media-tile", "data-feed": String(feed.id), "data-audio": "false", "data-video": "false" },
      video,
      el("figcaption", { text: feed.display }),
    );
    video.srcObject = feed.stream;
    byId("media-feeds").append(tile);
    return tile;
  }

  remoteTrack(feed, track, on) {
    if (!this.feeds.has(feed.id)) return;
    const stream = feed.stream;
    const same = stream.getTracks().find((t) => t.id === track.id);
    if (on && !same) stream.addTrack(track);
    if (!on && same) stream.removeTrack(same);
    const video = feed.tile.querySelector("video");
    if (video.srcObject !== stream) video.srcObject = stream;
    video.play().catch(() => {});
    feed.tile.dataset.audio = String(stream.getAudioTracks().length > 0);
    feed.tile.dataset.video = String(stream.getVideoTracks().length > 0);
    this.countFeeds();
  }

  dropFeed(id) {
    const feed = this.feeds.get(id);
    if (!feed) return;
    this.feeds.delete(id);
    if (feed.handle) feed.handle.detach();
    feed.tile.remove();
    if (status.speaker === id) this.setSpeaker(null);
    this.countFeeds();
  }

  countFeeds() {
    status.feeds = this.feeds.size;
    let audio = 0;
    let video = 0;
    for (const feed of this.feeds.values()) {
      audio += feed.stream.getAudioTracks().length;
      video += feed.stream.getVideoTracks().length;
    }
    status.remoteAudio = audio;
    status.remoteVideo = video;
    byId("media-count").textContent = String(this.feeds.size);
  }

  setSpeaker(id) {
    status.speaker = id;
    for (const tile of byId("media-feeds").querySelectorAll(".media-tile")) {
      tile.classList.toggle("speaking", id !== null && tile.dataset.feed === String(id));
    }
  }

  // --- connection state, statistics, recovery ---------------------------------

  iceChanged(state) {
    status.iceState = state;
    clearTimeout(this.iceTimer);
    if (state === "connected" || state === "completed") {
      if (status.iceConnectedMs === null) status.iceConnectedMs = Math.round(performance.now());
      this.attempt = 0;
      return;
    }
    if (state === "disconnected") {
      this.iceTimer = setTimeout(() => this.restartIce(), ICE_GRACE_MS);
    } else if (state === "failed") {
      this.restartIce();
    }
  }

  restartIce() {
    if (!this.pub || this.stopped) return;
    status.iceRestarts += 1;
    this.show("reconnecting");
    this.pub.createOffer({
      iceRestart: true,
      success: (jsep) => this.pub.send({ message: { request: "configure" }, jsep }),
      error: () => this.rejoin(),
    });
    // Not connected again in time: start over with a fresh token.
    this.iceTimer = setTimeout(() => {
      if (status.iceState !== "connected" && status.iceState !== "completed") this.rejoin();
    }, ICE_RESTART_MS);
  }

  webrtcChanged(up) {
    if (up) {
      status.connectedAt = Date.now();
      status.leftAt = null;
      this.show("publishing");
      clearInterval(this.statsTimer);
      this.statsTimer = setInterval(() => this.sample(), STATS_MS);
    } else {
      this.closeSegment();
      if (!this.stopped) this.restartIce();
    }
  }

  closeSegment() {
    if (status.connectedAt !== null) {
      status.leftAt = Date.now();
      status.connectedMs += status.leftAt - status.connectedAt;
      status.connectedAt = null;
    }
  }

  sessionLost(error) {
    status.lastError = String(error);
    if (this.stopped) return;
    this.rejoin();
  }

  // Start over: a new Janus session, with a fresh token from the web app.
  rejoin() {
    if (this.stopped || this.rejoinTimer !== null) return;
    clearTimeout(this.iceTimer);
    this.teardown();
    status.reconnects += 1;
    const delay = REJOIN_BACKOFF_MS[Math.min(this.attempt, REJOIN_BACKOFF_MS.length - 1)];
    this.attempt += 1;
    this.show("reconnecting", { seconds: Math.round(delay / 1000) });
    this.rejoinTimer = setTimeout(() => this.connect(), delay);
  }

  teardown() {
    clearInterval(this.statsTimer);
    this.closeSegment();
    for (const id of [...this.feeds.keys()]) this.dropFeed(id);
    const janus = this.janus;
    this.janus = null;
    this.pub = null;
    this.screenMid = null;
    this.screenTrack = undefined;
    status.publishing = false;
    status.sharing = false;
    if (janus) {
      try {
        janus.destroy({ cleanupHandles: true, notifyDestroyed: false });
      } catch {
        // already gone
      }
    }
  }

  async sample() {
    const pc = this.pub && this.pub.webrtcStuff && this.pub.webrtcStuff.pc;
    if (!pc) return;
    let rtt = null;
    let lost = 0;
    let sent = 0;
    try {
      const stats = await pc.getStats();
      stats.forEach((report) => {
        if (report.type === "candidate-pair" && report.nominated && report.state === "succeeded") {
          if (report.currentRoundTripTime !== undefined) rtt = report.currentRoundTripTime * 1000;
        }
        if (report.type === "remote-inbound-rtp") {
          lost += report.packetsLost || 0;
          if (rtt === null && report.roundTripTime !== undefined) rtt = report.roundTripTime * 1000;
        }
        if (report.type === "outbound-rtp") sent += report.packetsSent || 0;
      });
    } catch {
      return;
    }
    const dLost = Math.max(0, lost - this.lastPacketsLost);
    const dSent = Math.max(0, sent - this.lastPacketsSeen);
    this.lastPacketsLost = lost;
    this.lastPacketsSeen = sent;
    const loss = dSent + dLost > 0 ? (100 * dLost) / (dSent + dLost) : null;
    this.noteQuality({ rttMs: rtt === null ? null : Math.round(rtt), lossPct: loss === null ? null : Math.round(loss * 10) / 10 });
    await this.sampleFeeds();
  }

  // The loudest remote audio is the active speaker.
  async sampleFeeds() {
    let loudest = null;
    let level = TALKING_LEVEL;
    for (const feed of this.feeds.values()) {
      const pc = feed.handle && feed.handle.webrtcStuff && feed.handle.webrtcStuff.pc;
      if (!pc) continue;
      try {
        const stats = await pc.getStats();
        stats.forEach((report) => {
          if (report.type === "inbound-rtp" && report.kind === "audio" && report.audioLevel !== undefined) {
            status.heard[feed.id] = Math.max(status.heard[feed.id] || 0, report.audioLevel);
            if (report.audioLevel > level) {
              level = report.audioLevel;
              loudest = feed.id;
            }
          }
        });
      } catch {
        // the feed went away meanwhile
      }
    }
    this.setSpeaker(loudest);
  }

  noteQuality({ rttMs = null, lossPct = null, slow = false }) {
    const level = slow ? "poor" : qualityOf(rttMs, lossPct);
    status.quality = { level, rttMs, lossPct };
    const node = byId("media-quality");
    node.dataset.quality = level;
    const words = { good: this.t.labelGood, fair: this.t.labelFair, poor: this.t.labelPoor, unknown: this.t.labelUnknown };
    node.textContent = rttMs === null ? words[level] : fmt(this.t.labelQuality, { quality: words[level], rtt: rttMs, loss: lossPct ?? 0 });
  }

  // --- what the person does ----------------------------------------------------

  toggleMute() {
    if (!this.pub) return;
    status.muted = !status.muted;
    if (status.muted) this.pub.muteAudio();
    else this.pub.unmuteAudio();
    const button = byId("media-mute");
    button.setAttribute("aria-pressed", String(status.muted));
    button.textContent = status.muted ? this.t.labelUnmute : this.t.labelMute;
  }

  toggleCamera() {
    if (!this.pub || this.mode !== "video") return;
    status.cameraOff = !status.cameraOff;
    if (status.cameraOff) this.pub.muteVideo();
    else this.pub.unmuteVideo();
    const button = byId("media-camera");
    button.setAttribute("aria-pressed", String(status.cameraOff));
    button.textContent = status.cameraOff ? this.t.labelCameraOn : this.t.labelCameraOff;
  }

  hasFloor() {
    const s = this.roomState;
    return Boolean(s && s.floor && s.me && s.floor.holder === s.me.id);
  }

  toggleScreen() {
    if (!this.pub) return;
    if (status.sharing) {
      this.stopScreen();
      return;
    }
    if (!this.hasFloor()) return;
    this.pub.createOffer({
      tracks: [{ type: "screen", add: true, capture: true, recv: false }],
      success: (jsep) => {
        this.pub.send({ message: { request: "configure" }, jsep });
        status.sharing = true;
        this.findScreen();
        this.renderControls();
      },
      error: (error) => this.flash(fmt(this.t.labelRefused, { reason: error.name || String(error) })),
    });
  }

  findScreen() {
    const pc = this.pub && this.pub.webrtcStuff && this.pub.webrtcStuff.pc;
    if (!pc) return;
    const transceivers = pc.getTransceivers().filter((t) => t.sender && t.sender.track && t.sender.track.kind === "video");
    const last = transceivers[transceivers.length - 1];
    if (last && (this.mode === "audio" || transceivers.length > 1)) {
      this.screenMid = last.mid;
      this.screenTrack = last.sender.track;
      this.screenTrack.addEventListener("ended", () => this.stopScreen());
    }
  }

  stopScreen() {
    if (!status.sharing || !this.pub) return;
    status.sharing = false;
    if (this.screenMid !== null) {
      this.pub.createOffer({
        tracks: [{ type: "screen", remove: true, mid: this.screenMid }],
        success: (jsep) => this.pub.send({ message: { request: "configure" }, jsep }),
        error: () => {},
      });
    }
    this.screenMid = null;
    this.screenTrack = undefined;
    this.renderControls();
  }

  leave() {
    this.stopped = true;
    clearTimeout(this.rejoinTimer);
    this.rejoinTimer = null;
    clearTimeout(this.iceTimer);
    if (this.pub) this.pub.send({ message: { request: "leave" } });
    this.teardown();
    const video = byId("media-self-video");
    if (video.srcObject) video.srcObject.getTracks().forEach((track) => track.stop());
    video.srcObject = null;
    this.show("left");
  }

  // The room's state from room.js: the floor (screen sharing) and the meeting status.
  roomChanged(state) {
    this.roomState = state;
    const meeting = state && state.meeting ? state.meeting.status : null;
    const live = meeting === "open" || meeting === "suspended";
    if (!live && !this.stopped && meeting === "closed") this.leave();
    if (status.sharing && !this.hasFloor()) this.stopScreen();
    this.renderControls();
  }

  // --- drawing ---------------------------------------------------------------

  unavailable(message) {
    status.state = "unavailable";
    status.lastError = message;
    const node = byId("media-state");
    node.dataset.state = "unavailable";
    node.textContent = this.t.labelUnavailable;
    this.flash(message);
    for (const button of this.root.querySelectorAll("button")) button.disabled = true;
  }

  fail(message, retry) {
    status.lastError = message;
    this.flash(message);
    if (retry && !this.stopped) {
      this.rejoin();
      return;
    }
    this.teardown();
    this.show(this.stopped ? "left" : "failed");
    this.stopped = true;
    this.renderControls();
  }

  flash(message) {
    const box = byId("media-error");
    box.hidden = !message;
    box.textContent = message || "";
  }

  show(state, values = {}) {
    status.state = state;
    const node = byId("media-state");
    node.dataset.state = state;
    const words = {
      idle: this.t.labelIdle,
      joining: this.t.labelJoining,
      publishing: this.t.labelPublishing,
      reconnecting: this.t.labelReconnecting,
      failed: this.t.labelFailed,
      left: this.t.labelLeft,
    };
    node.textContent = fmt(words[state] || state, values);
    if (state === "publishing") this.flash("");
    this.renderControls();
  }

  renderControls() {
    const meeting = this.roomState && this.roomState.meeting ? this.roomState.meeting.status : null;
    const live = meeting === "open" || meeting === "suspended";
    const inCall = !this.stopped;
    byId("media-setup").hidden = inCall;
    byId("media-controls").hidden = !inCall;
    byId("media-join-video").disabled = !live;
    byId("media-join-audio").disabled = !live;
    byId("media-camera").hidden = this.mode !== "video";
    const screen = byId("media-screen");
    screen.hidden = !(status.sharing || (this.hasFloor() && status.publishing));
    screen.textContent = status.sharing ? this.t.labelStopShare : this.t.labelShare;
  }
}

const mediaRoot = byId("media");
if (mediaRoot) {
  const client = new MediaClient(mediaRoot);
  window.prachumMediaClient = client;
  client.start();
}

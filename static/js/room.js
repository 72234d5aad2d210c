// The meeting room client: live state over one WebSocket, and the device check.
//
// Versioning (ARCHITECTURE §4.4): the page keeps the last snapshot and its version.
// An event whose version is exactly one more is applied; an older one is ignored; a
// gap asks for a fresh snapshot. After a dropped connection the client reconnects with
// backoff and the server sends a fresh snapshot, which replaces the state. Frames that
// arrive while a snapshot is awaited are held and replayed on top of it.

const NO_RECONNECT = new Set([4401, 4403, 4404]);
const BACKOFF_MS = [1000, 2000, 4000, 8000, 10000];
const PING_MS = 20000;
const LIVE_POLL = new Set(["open", "awaiting_casting_vote"]);

function fmt(text, values) {
  return text.replace(/%\((\w+)\)s/g, (_, key) => String(values[key] ?? ""));
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

function byId(id) {
  return document.getElementById(id);
}

function setText(id, text) {
  const node = byId(id);
  if (node) node.textContent = text;
}

// Apply one event's patch to the snapshot (the sections it names, nothing else).
export function applyPatch(snapshot, patch) {
  if (patch.participants) snapshot.participants = patch.participants;
  if (patch.participant) {
    const at = snapshot.participants.findIndex((p) => p.id === patch.participant.id);
    if (at >= 0) snapshot.participants[at] = patch.participant;
    else snapshot.participants.push(patch.participant);
  }
  if (patch.quorum) snapshot.quorum = patch.quorum;
  if (patch.floor) snapshot.floor = patch.floor;
  if ("current_item" in patch) snapshot.current_item = patch.current_item;
  if (patch.meeting_status) snapshot.meeting.status = patch.meeting_status;
  if (patch.recording) snapshot.recording = patch.recording;
  if (patch.poll) {
    // The snapshot holds the live poll only (open, or awaiting the casting vote). A
    // patch carries no "me": keep the one the snapshot gave for the same poll.
    const old = snapshot.poll;
    const same = old && old.id === patch.poll.id;
    const poll = { ...patch.poll, me: patch.poll.me || (same ? old.me : null) };
    if (LIVE_POLL.has(poll.status)) snapshot.poll = poll;
    else if (same) snapshot.poll = null;
  }
}

class Room {
  constructor(root) {
    this.root = root;
    this.t = JSON.parse(byId("room-labels").textContent);
    this.url = new URL(root.dataset.socket, window.location.href);
    this.url.protocol = window.location.protocol === "https:" ? "wss:" : "ws:";
    this.state = null; // the last snapshot, patched by events; state.version is current
    this.socket = null;
    this.awaiting = true; // a snapshot is on its way: hold other frames
    this.held = [];
    this.hadSnapshot = false;
    this.attempt = 0;
    this.retryTimer = null;
    this.pingTimer = null;
    this.refs = 0;
    this.pending = new Map();
    this.lastError = null;
    this.lastSeen = 0;
    this.stopped = false;
    this.quiet = false; // a snapshot asked for in the background: keep the label
    // Votes: every poll seen on this page (drafts, live, closed), the largest ballot
    // count seen per poll (poll.progress frames carry no version), item records.
    this.polls = new Map();
    this.cast = new Map();
    this.lastClosed = null;
    this.records = new Map();
    this.fetching = new Set();
    const drafts = byId("room-drafts");
    for (const poll of drafts ? JSON.parse(drafts.textContent) : []) this.polls.set(poll.id, poll);
  }

  get version() {
    return this.state ? this.state.version : null;
  }

  start() {
    this.root.addEventListener("submit", (event) => this.submit(event));
    this.root.addEventListener("click", (event) => {
      const button = event.target.closest("button[data-command]");
      if (button) this.command(button.dataset.command);
    });
    window.addEventListener("offline", () => this.abandon());
    window.addEventListener("online", () => {
      if (this.retryTimer !== null) this.reconnectNow();
    });
    this.connect();
  }

  // --- the socket -------------------------------------------------------------

  connect() {
    this.retryTimer = null;
    this.awaiting = true;
    this.held = [];
    this.lastError = null;
    this.showConnection(this.hadSnapshot ? "resyncing" : "connecting");
    const socket = new WebSocket(this.url);
    this.socket = socket;
    this.lastSeen = Date.now();
    socket.addEventListener("message", (event) => {
      if (socket !== this.socket) return;
      this.lastSeen = Date.now();
      this.receive(JSON.parse(event.data));
    });
    socket.addEventListener("close", (event) => {
      if (socket === this.socket) this.closed(event);
    });
    clearInterval(this.pingTimer);
    this.pingTimer = setInterval(() => this.heartbeat(), PING_MS);
  }

  // A connection that went silent (no pong) is given up without waiting for TCP.
  heartbeat() {
    if (Date.now() - this.lastSeen > 2.5 * PING_MS) this.abandon();
    else this.send({ type: "ping" }).catch(() => {});
  }

  abandon() {
    const socket = this.socket;
    if (socket === null || this.retryTimer !== null) return;
    this.socket = null; // its late events are ignored from now on
    socket.close();
    this.closed({ code: 1006 });
  }

  isOpen() {
    return this.socket !== null && this.socket.readyState === WebSocket.OPEN;
  }

  reconnectNow() {
    clearTimeout(this.retryTimer);
    this.attempt = 0;
    this.connect();
  }

  closed(event) {
    clearInterval(this.pingTimer);
    for (const { reject } of this.pending.values()) reject(new Error(this.t.not_sent));
    this.pending.clear();
    this.enableControls();
    if (this.stopped) {
      this.showConnection("left");
      return;
    }
    if (NO_RECONNECT.has(event.code)) {
      this.showConnection("refused");
      this.showRefusal(event.code);
      return;
    }
    const delay = BACKOFF_MS[Math.min(this.attempt, BACKOFF_MS.length - 1)];
    this.attempt += 1;
    this.showConnection("reconnecting", { seconds: Math.round(delay / 1000) });
    this.retryTimer = setTimeout(() => this.connect(), delay);
  }

  send(frame) {
    if (!this.isOpen()) return Promise.reject(new Error(this.t.not_sent));
    this.refs += 1;
    const ref = `r${this.refs}`;
    const promise = new Promise((resolve, reject) => {
      this.pending.set(ref, { resolve, reject });
    });
    this.socket.send(JSON.stringify({ ...frame, ref }));
    return promise;
  }

  receive(frame) {
    switch (frame.type) {
      case "snapshot":
        this.takeSnapshot(frame.snapshot);
        this.settle(frame.ref, null);
        break;
      case "event":
      case "incident":
        if (this.awaiting) this.held.push(frame);
        else if (frame.type === "event") this.applyEvent(frame);
        else this.upsertIncident(frame.incident);
        break;
      case "poll.progress": // absolute figures, no version: apply at once, keep the largest
        this.progressed(frame);
        break;
      case "ack": // its message says what was done ("the vote on item 4.1 is open")
      case "pong":
        this.settle(frame.ref, null, frame.message);
        break;
      case "error":
        this.lastError = frame;
        if (!this.settle(frame.ref, frame.message)) this.flash(frame.message, "error");
        break;
      default: // a frame newer than this script
        break;
    }
  }

  settle(ref, message, answer) {
    const entry = ref ? this.pending.get(ref) : null;
    if (!entry) return false;
    this.pending.delete(ref);
    if (message === null) entry.resolve(answer);
    else entry.reject(new Error(message));
    return true;
  }

  takeSnapshot(snapshot) {
    this.state = snapshot;
    this.awaiting = false;
    this.attempt = 0;
    const replay = this.held.sort((a, b) => (a.version ?? 0) - (b.version ?? 0));
    this.held = [];
    if (!this.quiet) this.showConnection(this.hadSnapshot ? "resynced" : "connected");
    else this.enableControls();
    this.quiet = false;
    this.hadSnapshot = true;
    if (snapshot.poll) this.notePoll(snapshot.poll);
    for (const frame of replay) {
      if (frame.type === "event") this.applyEvent(frame, false);
      else this.upsertIncident(frame.incident, false);
    }
    this.render();
    this.renderIncidents();
    if (snapshot.current_item) this.fetchRecord(snapshot.current_item.id);
  }

  applyEvent(frame, render = true) {
    if (frame.version <= this.state.version) return; // already in the state
    if (frame.version !== this.state.version + 1) {
      this.resync(); // a gap: some event never reached us
      return;
    }
    const patch = frame.patch || {};
    applyPatch(this.state, patch);
    this.state.version = frame.version;
    if (patch.poll) this.notePoll(this.state.poll && this.state.poll.id === patch.poll.id ? this.state.poll : patch.poll);
    if (patch.item_record) this.fetchRecord(patch.item_record.item);
    if (render) this.render();
  }

  // --- votes --------------------------------------------------------------------

  notePoll(seen) {
    const old = this.polls.get(seen.id);
    const poll = !seen.me && old && old.me ? { ...seen, me: old.me } : seen;
    if (this.state && this.state.poll && this.state.poll.id === poll.id) this.state.poll = poll;
    this.polls.set(poll.id, poll);
    this.bumpCast(poll.id, poll.cast);
    if (poll.status === "closed" || poll.status === "voided") this.lastClosed = poll;
    else if (LIVE_POLL.has(poll.status) && this.lastClosed && this.lastClosed.item !== poll.item) {
      this.lastClosed = null;
    }
    // Who may vote is frozen when a poll opens; a patch does not say whether that
    // includes this person, so ask the server quietly.
    if (LIVE_POLL.has(poll.status) && !poll.me) this.refreshQuietly();
  }

  bumpCast(pollId, cast) {
    if (cast === null || cast === undefined) return;
    this.cast.set(pollId, Math.max(this.cast.get(pollId) || 0, cast));
  }

  progressed(frame) {
    this.bumpCast(frame.poll, frame.cast);
    const poll = this.polls.get(frame.poll);
    if (poll && frame.eligible !== undefined) poll.eligible = frame.eligible;
    if (poll && frame.ballot && this.state) {
      poll.ballots = poll.ballots || [];
      if (!poll.ballots.some((b) => b.voter === frame.ballot.voter)) {
        poll.ballots.push({ ...frame.ballot, name: this.name(frame.ballot.voter) });
      }
      if (frame.ballot.voter === this.state.me.id && poll.me) poll.me.voted = true;
    }
    if (this.state) this.renderVoting();
  }

  refreshQuietly() {
    if (this.awaiting || !this.isOpen()) return;
    this.awaiting = true;
    this.quiet = true;
    this.held = [];
    this.send({ type: "snapshot.get" }).catch(() => {});
  }

  fetchRecord(itemId) {
    const template = this.root.dataset.recordUrl;
    if (!template || this.fetching.has(itemId)) return;
    this.fetching.add(itemId);
    fetch(template.replace(this.root.dataset.placeholder, itemId), {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    })
      .then((response) => (response.ok ? response.json() : null))
      .then((record) => {
        if (record) this.records.set(itemId, record);
        if (this.state) this.renderRecord();
      })
      .catch(() => {})
      .finally(() => this.fetching.delete(itemId));
  }

  resync() {
    if (this.awaiting) return;
    this.awaiting = true;
    this.held = [];
    this.hadSnapshot = true;
    this.showConnection("resyncing");
    this.send({ type: "snapshot.get" }).catch(() => {});
  }

  upsertIncident(incident, render = true) {
    if (!this.state || !this.state.incidents) return;
    const at = this.state.incidents.findIndex((i) => i.id === incident.id);
    if (at >= 0) this.state.incidents[at] = incident;
    else this.state.incidents.push(incident);
    if (render) this.renderIncidents();
  }

  // --- what people do ---------------------------------------------------------

  submit(event) {
    const form = event.target;
    if (!this.confirmed(form)) {
      event.preventDefault(); // neither over the socket nor over HTTP
      return;
    }
    const action = form.dataset.action;
    if (!action || !this.isOpen()) return; // no socket: the form posts over HTTP
    event.preventDefault();
    const frame = this.frameOf(form, action, event.submitter);
    const buttons = form.querySelectorAll("button");
    buttons.forEach((b) => (b.disabled = true));
    this.send(frame)
      .then((answer) => {
        form.reset();
        if (action === "ballot.cast") {
          const poll = this.polls.get(frame.poll);
          if (poll && poll.me) poll.me.voted = true;
          this.renderVoting();
        }
        if (answer) this.flash(answer, "success");
      })
      .catch((error) => this.flash(error.message, "error"))
      .finally(() => buttons.forEach((b) => (b.disabled = false)));
  }

  // A form with ``data-confirm`` (closing the meeting or a vote) asks first, in
  // words that say what will happen; the item's number comes from the poll it closes.
  confirmed(form) {
    const key = form.dataset.confirm;
    if (!key || !this.t.confirm || !this.t.confirm[key]) return true;
    const pollInput = form.querySelector('[name="poll"]');
    const id = pollInput && pollInput.value;
    const live = this.state && this.state.poll && this.state.poll.id === id ? this.state.poll : null;
    const poll = id ? this.polls.get(id) || live : null;
    const itemId = poll ? poll.item : this.state && this.state.current_item && this.state.current_item.id;
    const item = this.state ? this.state.agenda.find((i) => i.id === itemId) : null;
    return window.confirm(fmt(this.t.confirm[key], { number: item ? item.number : "" }));
  }

  // A form as a socket frame: the same field names as the HTTP form; ``data-type``
  // says how to read a value (lines, int, bool); ``choice`` is a word for a motion
  // (the button pressed) or the list of ticked options.
  frameOf(form, action, submitter) {
    const frame = { type: action };
    const data = new FormData(form);
    for (const [key, value] of data) {
      if (key === "csrfmiddlewaretoken" || key === "choice") continue;
      const input = form.querySelector(`[name="${key}"]`);
      const kind = input ? input.dataset.type : undefined;
      if (input && "optional" in input.dataset && value === "") continue;
      if (kind === "lines") frame[key] = value.split("\n").map((v) => v.trim()).filter(Boolean);
      else if (kind === "int") frame[key] = value === "" ? 1 : Number.parseInt(value, 10);
      else if (kind === "bool") {
        if (value !== "") frame[key] = value === "true";
      } else frame[key] = value;
    }
    if (form.dataset.kind) {
      frame.choice =
        form.dataset.kind === "motion"
          ? (submitter && submitter.value) || data.get("choice") || ""
          : data.getAll("choice");
    }
    return frame;
  }

  command(type) {
    if (type === "leave") {
      this.stopped = true;
      const done = () => window.location.assign(this.root.dataset.leaveUrl);
      this.send({ type: "leave" }).then(done, done);
      setTimeout(done, 2000);
      return;
    }
    this.send({ type })
      .then((answer) => answer && this.flash(answer, "success"))
      .catch((error) => this.flash(error.message, "error"));
  }

  // --- drawing ----------------------------------------------------------------

  flash(text, kind) {
    const list = byId("room-messages");
    const item = el("li", { className: kind, role: "status", text });
    list.append(item);
    setTimeout(() => item.remove(), 8000);
  }

  showConnection(state, values = {}) {
    const node = byId("connection-state");
    node.dataset.state = state;
    node.textContent = fmt(this.t.connection[state], {
      version: this.version ?? "",
      ...values,
    });
    this.enableControls();
  }

  showRefusal(code) {
    const box = byId("room-refused");
    box.hidden = false;
    box.replaceChildren(this.lastError ? this.lastError.message : "");
    if (code === 4403 || code === 4401) {
      box.append(" ", el("a", { href: this.root.dataset.checkUrl, text: this.t.check_again }));
    }
  }

  enableControls() {
    const open = this.isOpen() && !this.awaiting;
    for (const button of this.root.querySelectorAll("button[data-command]")) {
      button.disabled = !open;
    }
  }

  render() {
    const s = this.state;
    const t = this.t;
    setText("room-version", String(s.version));
    const connection = byId("connection-state").dataset.state;
    if (connection === "connected" || connection === "resynced") {
      this.showConnection(connection); // the version in the text moves on
    }
    setText("meeting-title", s.meeting.title);
    setText("meeting-number", s.meeting.number);
    byId("meeting-secret").hidden = !s.meeting.is_secret;
    const status = byId("meeting-status");
    status.dataset.status = s.meeting.status;
    status.textContent = t.status[s.meeting.status] || s.meeting.status;
    // Whether the meeting is recorded now, from the server's state (never guessed here).
    const recording = byId("recording-state");
    const rec = (s.recording && s.recording.state) || "not_started";
    recording.dataset.state = rec;
    recording.textContent = t.recording[rec] || "";
    const item = byId("current-item");
    item.dataset.id = s.current_item ? s.current_item.id : "";
    item.textContent = s.current_item
      ? `${fmt(t.item, { number: s.current_item.number })} ${s.current_item.title}`
      : t.no_item;
    byId("fallback-channel").textContent = s.meeting.fallback_channel || "–";
    this.renderQuorum();
    this.renderAgenda();
    this.renderParticipants();
    this.renderFloor();
    this.renderConsole();
    this.renderVoting();
    this.renderRecord();
    if (s.current_item && !this.records.has(s.current_item.id)) this.fetchRecord(s.current_item.id);
    // media.js follows the meeting's status and the floor (screen sharing).
    document.dispatchEvent(new CustomEvent("prachum:room-state", { detail: s }));
  }

  label(poll, key) {
    const v = this.t.vote;
    if (poll.kind === "motion") return v[key] || key;
    const option = poll.options.find((o) => o.id === key);
    return option ? option.label : key;
  }

  shownPoll() {
    return this.state.poll || this.lastClosed;
  }

  renderVoting() {
    if (!byId("voting")) return;
    const v = this.t.vote;
    const poll = this.shownPoll();
    byId("poll-none").hidden = Boolean(poll);
    const box = byId("poll");
    box.hidden = !poll;
    if (!poll) {
      box.dataset.id = "";
      this.renderPollConsole(null);
      return;
    }
    box.dataset.id = poll.id;
    box.dataset.status = poll.status;
    box.dataset.secret = String(poll.is_secret);
    setText("poll-question", poll.question);
    const secrecy = byId("poll-secrecy");
    secrecy.textContent = poll.is_secret ? v.secret : v.open;
    secrecy.className = poll.is_secret ? "badge secret" : "badge open";
    setText("poll-kind", fmt(v.kind[poll.kind] || poll.kind, { k: poll.max_choices }));
    setText("poll-status", v.status[poll.status] || poll.status);
    const cast = Math.max(this.cast.get(poll.id) || 0, poll.cast || 0);
    setText("poll-cast", String(cast));
    setText("poll-eligible", poll.eligible === null || poll.eligible === undefined ? "–" : String(poll.eligible));

    const me = poll.me;
    const mayVote = poll.status === "open" && me && me.eligible && !me.voted;
    const form = byId("ballot-form");
    form.hidden = !mayVote;
    if (mayVote && form.dataset.poll !== poll.id) this.buildBallot(form, poll);
    let state = "";
    if (me && me.voted) state = v.voted;
    else if (poll.status === "open" && me && !me.eligible) state = v.not_eligible;
    setText("ballot-state", state);

    this.renderResult(poll);
    this.renderCasting(poll);
    this.renderPollConsole(poll);
  }

  buildBallot(form, poll) {
    const v = this.t.vote;
    form.dataset.poll = poll.id;
    form.dataset.kind = poll.kind;
    byId("ballot-poll").value = poll.id;
    const box = byId("ballot-choices");
    if (poll.kind === "motion") {
      box.replaceChildren(
        ...["yes", "no", "abstain"].map((key) =>
          el("button", { type: "submit", name: "choice", value: key, "data-choice": key, text: v[key] }),
        ),
      );
      return;
    }
    const multiple = poll.kind === "k_of_n";
    box.replaceChildren(
      multiple ? el("p", { className: "muted", text: fmt(v.choose_up_to, { k: poll.max_choices }) }) : null,
      ...poll.options.map((o) =>
        el(
          "label",
          { className: "check" },
          el("input", { type: multiple ? "checkbox" : "radio", name: "choice", value: o.id, "data-choice": o.id }),
          ` ${o.label}`,
        ),
      ),
      el("p", {}, el("button", { type: "submit", text: v.cast_ballot })),
    );
  }

  renderResult(poll) {
    const v = this.t.vote;
    const box = byId("poll-result");
    const result = poll.result;
    box.hidden = !result;
    const ballots = byId("poll-ballots");
    ballots.hidden = !result || poll.is_secret || !poll.ballots;
    if (!result) {
      box.replaceChildren();
      ballots.replaceChildren();
      return;
    }
    const rows = [];
    if (poll.status === "voided") {
      rows.push(el("p", { className: "error", text: fmt(v.voided_reason, { reason: this.t.codes[result.outcome] || result.outcome || "" }) }));
    } else if (result.tally) {
      const counts = poll.kind === "motion" ? result.tally : result.tally.counts;
      const keys = poll.kind === "motion" ? ["yes", "no", "abstain"] : poll.options.map((o) => o.id);
      const list = el(
        "ul",
        { className: "plain tally" },
        ...keys.map((key) =>
          el("li", { "data-choice": key }, el("strong", { text: this.label(poll, key) }), `: ${counts[key] ?? 0}`),
        ),
      );
      if (poll.kind !== "motion") {
        list.append(el("li", { "data-choice": "blank" }, el("strong", { text: v.blank }), `: ${result.tally.blank ?? 0}`));
      }
      rows.push(list);
      if (poll.kind === "motion" && result.carried !== null && result.carried !== undefined) {
        rows.push(el("p", { className: "outcome", "data-carried": String(result.carried), text: result.carried ? v.carried : v.not_carried }));
      }
      if (result.winners && result.winners.length) {
        rows.push(el("p", { className: "outcome", text: `${v.winners}: ${result.winners.map((k) => this.label(poll, k)).join(", ")}` }));
      }
      if (poll.status === "awaiting_casting_vote" && result.tied && result.tied.length) {
        rows.push(el("p", { text: `${v.tied}: ${result.tied.map((k) => this.label(poll, k)).join(", ")}` }));
      }
      if (result.casting_vote) {
        rows.push(el("p", { text: `${v.casting_vote}: ${result.casting_vote.choice.map((k) => this.label(poll, k)).join(", ")}` }));
      }
      if (result.clause) rows.push(el("p", { className: "muted", text: this.t.clauses[result.clause] || result.clause }));
    }
    if (poll.is_secret) rows.push(el("p", { className: "muted", text: v.totals_only }));
    box.replaceChildren(...rows);
    if (!ballots.hidden) {
      ballots.replaceChildren(
        el("h3", { text: v.ballots }),
        el(
          "ul",
          { className: "plain" },
          ...poll.ballots.map((b) =>
            el(
              "li",
              { "data-voter": b.voter, "data-choice": b.choice.join(" ") },
              el("strong", { text: b.name || this.name(b.voter) }),
              `: ${b.choice.map((k) => this.label(poll, k)).join(", ") || v.blank}`,
            ),
          ),
        ),
      );
    }
  }

  renderCasting(poll) {
    const form = byId("casting-form");
    const v = this.t.vote;
    const show = poll.status === "awaiting_casting_vote" && this.state.me.console;
    form.hidden = !show;
    if (!show || form.dataset.poll === poll.id) return;
    form.dataset.poll = poll.id;
    form.dataset.kind = poll.kind;
    byId("casting-poll").value = poll.id;
    const tied = (poll.result && poll.result.tied) || [];
    const box = byId("casting-choices");
    if (poll.kind === "motion") {
      box.replaceChildren(
        ...["yes", "no"].map((key) => el("button", { type: "submit", name: "choice", value: key, "data-choice": key, text: v[key] })),
      );
    } else {
      box.replaceChildren(
        ...tied.map((key) =>
          el("label", { className: "check" }, el("input", { type: "checkbox", name: "choice", value: key }), ` ${this.label(poll, key)}`),
        ),
        el("p", {}, el("button", { type: "submit", text: v.give_casting_vote })),
      );
    }
  }

  renderPollConsole(poll) {
    const drafts = byId("poll-drafts");
    if (!drafts) return;
    const v = this.t.vote;
    const s = this.state;
    const item = s.current_item ? s.current_item.id : "";
    for (const input of this.root.querySelectorAll("input[data-current-item]")) input.value = item;
    const closeForm = byId("poll-close-form");
    const open = s.poll && s.poll.status === "open";
    closeForm.hidden = !open;
    if (open) byId("poll-close-poll").value = s.poll.id;
    const resolutionPoll = byId("resolution-poll");
    resolutionPoll.value =
      this.lastClosed && this.lastClosed.item === item && this.lastClosed.status === "closed" ? this.lastClosed.id : "";
    const token = document.querySelector("[name=csrfmiddlewaretoken]").value;
    const list = [...this.polls.values()].filter((p) => p.status === "draft" && p.item === item);
    const key = JSON.stringify([list.map((p) => p.id), Boolean(s.poll)]);
    if (drafts.dataset.key === key) return; // leave a reason being typed alone
    drafts.dataset.key = key;
    drafts.replaceChildren(
      ...list.map((p) =>
        el(
          "li",
          { "data-id": p.id },
          el("strong", { text: p.question }),
          ` (${p.is_secret ? v.secret : v.open})`,
          el(
            "form",
            { method: "post", action: this.root.dataset.pollOpenUrl, "data-action": "poll.open", className: "poll-open" },
            el("input", { type: "hidden", name: "csrfmiddlewaretoken", value: token }),
            el("input", { type: "hidden", name: "poll", value: p.id }),
            el("input", { type: "text", name: "reason", maxlength: 10000, placeholder: v.reason, "aria-label": v.reason }),
            el("button", { type: "submit", disabled: s.poll ? true : null, text: v.open_poll }),
          ),
        ),
      ),
    );
  }

  renderRecord() {
    if (!byId("item-record")) return;
    const v = this.t.vote;
    const item = this.state.current_item ? this.state.current_item.id : null;
    const record = item ? this.records.get(item) : null;
    const text = byId("resolution-text");
    text.textContent = record && record.resolution ? record.resolution : v.no_resolution;
    text.className = record && record.resolution ? "resolution" : "muted";
    byId("dissents").replaceChildren(
      ...(record ? record.dissents : []).map((d) =>
        el("li", { "data-member": d.member }, el("strong", { text: d.name || this.name(d.member) }), `: ${d.opinion}`),
      ),
    );
    // A voting member's own dissent, once the item has a resolution (the server checks
    // that they attended the item and were not withdrawn from it).
    const own = byId("own-dissent");
    if (own) {
      const me = this.state.participants.find((p) => p.id === this.state.me.id);
      own.hidden = !(record && record.resolution && me && me.voting);
      own.querySelector('input[name="item"]').value = item || "";
    }
  }

  renderQuorum() {
    const q = this.state.quorum;
    setText("quorum-counted", String(q.counted));
    setText("quorum-required", String(q.required));
    setText("quorum-eligible", String(q.eligible));
    const status = byId("quorum-status");
    status.dataset.met = String(q.met);
    status.textContent = q.met ? this.t.quorum_met : this.t.quorum_not_met;
    byId("quorum-reasons").replaceChildren(
      ...q.reasons.map((r) => el("li", { "data-code": r.code, text: `${this.t.codes[r.code] || r.code} (${this.t.clauses[r.clause] || r.clause})` })),
    );
  }

  renderAgenda() {
    const current = this.state.current_item ? this.state.current_item.id : null;
    byId("agenda-list").replaceChildren(
      ...this.state.agenda.map((a) =>
        el(
          "li",
          { "data-id": a.id, className: a.id === current ? "current" : "" },
          el("span", { className: "number", text: a.number }),
          ` ${a.title}`,
          a.is_secret ? el("span", { className: "badge secret", text: this.t.secret }) : null,
        ),
      ),
    );
  }

  name(id) {
    const person = this.state.participants.find((p) => p.id === id);
    return person ? person.name : id;
  }

  renderParticipants() {
    const t = this.t;
    const { floor, me } = this.state;
    byId("participants").replaceChildren(
      ...this.state.participants.map((p) => {
        const facts = [t.role[p.role] || p.role];
        if (p.voting) facts.push(t.voting);
        facts.push(p.identified ? `${t.identified} (${t.method[p.check_method] || ""})` : t.not_identified);
        facts.push(p.connected ? `${t.connected} · ${p.by_phone ? t.by_phone : t.mode[p.mode] || ""}` : t.not_connected);
        if (floor.hands.includes(p.id)) facts.push(t.hand_raised);
        const standing = t.standing[p.standing] || "";
        return el(
          "li",
          {
            "data-id": p.id,
            "data-connected": String(p.connected),
            "data-identified": String(p.identified),
            "data-mode": p.mode || "",
            "data-by-phone": String(Boolean(p.by_phone)),
            "data-standing": p.standing || "",
            className: p.connected ? "online" : "offline",
          },
          el("span", { className: "dot", "aria-hidden": "true" }),
          el("strong", { text: p.name }),
          p.id === me.id ? ` (${t.you})` : "",
          el("span", { className: "muted", text: ` · ${facts.join(" · ")}` }),
          el("span", { className: `standing ${p.standing || ""}`, text: standing ? ` — ${standing}` : "" }),
        );
      }),
    );
  }

  renderFloor() {
    const { floor, me } = this.state;
    setText(
      "floor-holder",
      floor.holder ? fmt(this.t.floor_holder, { name: this.name(floor.holder) }) : this.t.floor_nobody,
    );
    byId("hands").replaceChildren(
      ...floor.hands.map((id) => el("li", { "data-id": id, text: this.name(id) })),
    );
    const raised = floor.hands.includes(me.id);
    byId("hand-raise").hidden = raised || floor.holder === me.id;
    byId("hand-lower").hidden = !raised;
  }

  renderConsole() {
    const box = byId("console");
    if (!box) return;
    box.hidden = !this.state.me.console;
    if (box.hidden) return;
    const status = this.state.meeting.status;
    for (const form of box.querySelectorAll("form[data-when]")) {
      form.hidden = !form.dataset.when.split(" ").includes(status);
    }
    const me = this.state.me.id;
    const people = this.state.participants;
    const options = {
      agenda: this.state.agenda.map((a) => [a.id, `${a.number} ${a.title}`]),
      identified: people.filter((p) => p.identified).map((p) => [p.id, p.name]),
      others: people.filter((p) => p.id !== me).map((p) => [p.id, p.name]),
      invitees: people.filter((p) => p.role === "invitee").map((p) => [p.id, p.name]),
      voters: people.filter((p) => p.voting).map((p) => [p.id, p.name]),
      in_room: people.filter((p) => p.mode === "in_room" && p.check_method === "room_sign_in").map((p) => [p.id, p.name]),
      not_in_room: people.filter((p) => p.check_method !== "room_sign_in").map((p) => [p.id, p.name]),
    };
    for (const select of box.querySelectorAll("select[data-options]")) {
      const list = options[select.dataset.options];
      const key = JSON.stringify(list);
      if (select.dataset.key === key) continue; // unchanged: leave an open list alone
      select.dataset.key = key;
      const keep = select.value;
      select.replaceChildren(
        el("option", { value: "", text: this.t.choose }),
        ...list.map(([value, text]) => el("option", { value, text })),
      );
      select.value = keep;
    }
  }

  renderIncidents() {
    const list = byId("incidents");
    if (!list || !this.state.incidents) return;
    const t = this.t;
    const token = document.querySelector("[name=csrfmiddlewaretoken]").value;
    const open = new Map(); // keep what a person is typing into a handling form
    for (const input of list.querySelectorAll("textarea[name=handling]")) {
      open.set(input.dataset.incident, input.value);
    }
    const typing = document.activeElement && document.activeElement.dataset.incident;
    const items = [...this.state.incidents].reverse().map((i) => {
      const who = i.subject ? this.name(i.subject) : "";
      const at = new Date(i.at).toLocaleTimeString(document.documentElement.lang);
      const li = el(
        "li",
        { "data-id": i.id, "data-kind": i.kind, className: i.handled_at ? "handled" : "open" },
        el("strong", { text: t.incident[i.kind] || i.kind }),
        ` ${at}`,
        who ? ` · ${who}` : "",
        i.summary && i.summary !== who ? el("div", { text: i.summary }) : null,
      );
      if (i.handled_at) {
        li.append(el("div", { className: "muted", text: `${t.handled}: ${i.handling}` }));
      } else {
        const form = el(
          "form",
          {
            method: "post",
            action: this.root.dataset.handleUrl.replace(this.root.dataset.placeholder, i.id),
            "data-action": "incident.handle",
          },
          el("input", { type: "hidden", name: "csrfmiddlewaretoken", value: token }),
          el("input", { type: "hidden", name: "incident", value: i.id }),
        );
        const area = el("textarea", {
          name: "handling",
          rows: 1,
          maxlength: 2000,
          "data-incident": i.id,
          "aria-label": t.handling_label,
          placeholder: t.handling_label,
        });
        area.value = open.get(i.id) || "";
        form.append(area, el("button", { type: "submit", text: t.record_handling }));
        li.append(form);
      }
      return li;
    });
    list.replaceChildren(...(items.length ? items : [el("li", { className: "muted", text: t.no_incidents })]));
    if (typing) {
      const area = list.querySelector(`textarea[data-incident="${typing}"]`);
      if (area) area.focus();
    }
  }
}

// --- the device check on the identity-check page (R16) --------------------------

function deviceCheck(box) {
  const t = JSON.parse(byId("check-labels").textContent);
  const start = byId("device-start");
  const again = byId("device-tone");
  const meter = byId("mic-level");
  const status = byId("device-status");
  const confirm = byId("id_device_ok");
  let context = null;
  let stream = null;
  if (!confirm.checked) confirm.disabled = true;

  const tone = () => {
    const oscillator = context.createOscillator();
    const gain = context.createGain();
    oscillator.frequency.value = 660;
    gain.gain.value = 0.15;
    oscillator.connect(gain).connect(context.destination);
    oscillator.start();
    oscillator.stop(context.currentTime + 0.8);
  };

  start.addEventListener("click", async () => {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      status.textContent = t.no_media;
      status.className = "error";
      return;
    }
    try {
      stream = stream || (await navigator.mediaDevices.getUserMedia({ audio: true }));
    } catch (error) {
      status.textContent = fmt(t.refused, { reason: t.reasons[error.name] || t.unknown_reason });
      status.className = "error";
      return;
    }
    if (!context) {
      context = new AudioContext();
      const analyser = context.createAnalyser();
      analyser.fftSize = 1024;
      context.createMediaStreamSource(stream).connect(analyser);
      const samples = new Float32Array(analyser.fftSize);
      const draw = () => {
        analyser.getFloatTimeDomainData(samples);
        let peak = 0;
        for (const v of samples) peak = Math.max(peak, Math.abs(v));
        meter.value = Math.min(1, peak * 2);
        if (peak > 0.01) meter.dataset.moved = "true";
        requestAnimationFrame(draw);
      };
      draw();
    }
    await context.resume();
    tone();
    status.textContent = t.listening;
    status.className = "";
    again.hidden = false;
    confirm.disabled = false;
  });
  again.addEventListener("click", () => context && tone());
  box.closest("form").addEventListener("submit", () => {
    if (stream) stream.getTracks().forEach((track) => track.stop());
  });
}

const roomRoot = byId("room");
if (roomRoot) {
  const room = new Room(roomRoot);
  window.prachumRoom = room; // for people debugging, and for the browser tests
  room.start();
}
const deviceBox = byId("device-check");
if (deviceBox) deviceCheck(deviceBox);

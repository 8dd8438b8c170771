---@meta
-- LuaLS definitions of the px module (pxscript). Point your editor's Lua
-- language server at this folder ("workspace.library": ["types"]) for
-- completion and checks. A test keeps this file in step with the runtime.

---@class px
px = {}

---@class px.Meta
---@field current_page integer
---@field per_page integer
---@field total integer
---@field last_page integer

---@class px.Participant
---@field id string
---@field name string
---@field email string
---@field type "client"|"photographer"|string
---@field avatar_color integer?

---@class px.Attachment
---@field id string
---@field filename string
---@field file_size integer?
---@field content_type string?
---@field url string?
---@field dry_run boolean? true for a dry run's placeholder

---@class px.Message
---@field id string
---@field conversation_id string
---@field content string
---@field sent_at string the API's timestamp, e.g. "2025-08-07T10:30:00.000000Z" (px.time.parse turns it into seconds)
---@field sender_type "client"|"photographer"|"system"|string the API's raw word
---@field from "client"|"studio"|"system" who wrote it, in the docs' words: the client, you (or pxscript), or the studio's own notes ("Invoice … was paid")
---@field sender_id string?
---@field read_at string?
---@field attachments px.Attachment[]
---@field automated boolean true for a studio message pxscript sent (any script on this machine), false for a personal one or the client's
---@field dry_run boolean? true for a dry run's placeholder

---@class px.Conversation
---@field id string
---@field client_id string
---@field subject string
---@field status "active"|"archived"|string
---@field unread_count integer
---@field last_message_at string
---@field created_at string?
---@field updated_at string?
---@field participants px.Participant[]
---@field messages px.Message[]? with { messages = true } (get) or message = true (list: the latest only)

---@class px.Error
---@field code string e.g. "CONVERSATION_NOT_FOUND", "SEND_CAP", "PAUSED", "SESSION_EXPIRED", "FILE"
---@field status integer? the HTTP status when the API answered
---@field message string
---@field where string? "file:line" of the call that failed
---@field max_size integer? for FILE_TOO_LARGE

---@class px.ListOptions
---@field client_id string?
---@field page integer?
---@field page_size integer? at most 100
---@field per_page integer? the same as page_size (the name the API's pagination uses)
---@field message boolean? include the latest message of each conversation
---@field message_status "inbox"|"archived"|"unread"|"all"|nil

px.conversations = {}

---One page of conversations, newest activity first.
---@param options px.ListOptions?
---@return { data: px.Conversation[], meta: px.Meta }
function px.conversations.list(options) end

---Every conversation, page by page; none dropped or repeated while they move.
---@param options px.ListOptions?
---@return fun(): px.Conversation?
function px.conversations.each(options) end

---One conversation with its participants and (by default) all its messages.
---@param id string "conv_…"
---@param options { messages: boolean? }?
---@return px.Conversation
function px.conversations.get(id, options) end

---Active conversations waiting on the client (on = "client": the studio answered last) or on the studio
---(on = "studio": the client wrote last), whose last non-system message is older than `older_than` and,
---with `newer_than`, not older than that. Only personal studio messages count as the studio's answer
---unless `automated = true`: an inquiry answered only by an auto-acknowledgement still waits on the studio.
---@param options { on: "client"|"studio"?, older_than: string|number?, newer_than: string|number?, client_id: string?, automated: boolean? }?
---@return fun(): px.Conversation?
function px.conversations.awaiting(options) end

---@return { unread_count: integer, conversations_with_unread: integer }
function px.unread() end

px.messages = {}

---@param message { conversation_id: string, content: string, attachments: (string|{path: string, filename: string?, content_type: string?})[]?, key: string?, approve: boolean?, expires: string|number? }
---@return px.Message
function px.messages.send(message) end

---Sends a message exactly once: a `key` already sent to the conversation is skipped (forever);
---without a key, the same text and attachments within 24 hours are skipped.
---@param conversation_id string
---@param content string
---@param options { attachments: (string|{path: string, filename: string?, content_type: string?})[]?, key: string?, approve: boolean?, expires: string|number? }?
---@return px.Message
function px.send(conversation_id, content, options) end

px.attachments = {}

---Uploads a file (under the script's folder or --allow-read) as an attachment.
---@param path string
---@param options { filename: string?, content_type: string? }?
---@return px.Attachment
function px.attachments.upload(path, options) end

---`pxscript watch` only: handle each new client message.
---@class px.Event
---@field message px.Message the newest client message of the event
---@field messages px.Message[] the burst (with debounce), oldest first
---@field conversation px.Conversation
---@field client table
---@field answered boolean the studio answered personally after the message (pxscript's own messages do not count)
---@field first boolean the message is the conversation's first from the client: a new inquiry
---@field age number seconds since the message, by the studio's clock
local Event = {}
---Replies in the event's conversation, once per handler run (with approve = true: waits for your approval).
---@param text string
---@param options { attachments: (string|{path: string, filename: string?, content_type: string?})[]?, key: string?, approve: boolean?, expires: string|number? }?
---@return px.Message
function Event:reply(text, options) end

---@param event "message"
---@param handler fun(event: px.Event)
---@param options { max_age: string?, debounce: string? }?
function px.on(event, handler, options) end

---`pxscript watch` only: run every interval.
---@param interval string e.g. "15m"
---@param fn fun()
---@param options { name: string? }?
function px.every(interval, fn, options) end

---`pxscript watch` only: run on a cron schedule (5 fields).
---@param spec string e.g. "0 9 * * 1-5"
---@param fn fun()
---@param options { name: string? }?
function px.cron(spec, fn, options) end

---`pxscript watch` only: run once at a local time.
---@param time string e.g. "2026-12-01T09:00:00"
---@param fn fun()
---@param options { name: string? }?
function px.at(time, fn, options) end

---`pxscript watch` only: run once after a delay (in memory only).
---@param delay string e.g. "2h"
---@param fn fun()
function px.after(delay, fn) end

---Sends a notification to the photographer through config.toml's [notify] targets (20 an hour per script).
---Recorded, never delivered, in a dry run and in `pxscript test`.
---@param text string at most 4000 bytes
---@param options { title: string? }?
---@return boolean posted false when the hourly limit dropped it
function px.notify(text, options) end

---Waits (nothing in a dry run).
---@param seconds number
function px.sleep(seconds) end

---Runs fn(item, index) for every item, `concurrency` at once (default 4), with a progress bar on a terminal.
---@generic T, R
---@param list T[]
---@param fn fun(item: T, index: integer): R
---@param options { concurrency: integer? }?
---@return R[] results in input order (nil where an item failed)
---@return table<integer, string> errors by index
function px.map(list, fn, options) end

px.template = {}

---Renders Mustache as plain text (no HTML escaping); a missing variable is an error naming it.
---@param text string
---@param vars table
---@return string
function px.template.render(text, vars) end

---Like render, with the template (and its partials) read from a file under the file policy.
---@param path string
---@param vars table
---@return string
function px.template.file(path, vars) end

px.store = {}

---@param key string
---@return any
function px.store.get(key) end

---@param key string
---@param value any nil removes the key
function px.store.set(key, value) end

---True the first time `key` is seen in a period that starts at that first true.
---@param key string
---@param period string|number e.g. "7d"; forever when absent
---@return boolean
function px.once(key, period) end

---@class px.Hours
local Hours = {}

---@param t number Unix seconds
---@return boolean
function Hours:contains(t) end

---@param t number Unix seconds
---@return number? the next opening at or after t
function Hours:next_open(t) end

---Opening hours: "Mon-Fri 09:00-18:00; Sat 10:00-14:00".
---@param spec string
---@param options { tz: string? }?
---@return px.Hours
function px.hours(spec, options) end

px.log = {}

---@param format string
---@param ... any
function px.log.debug(format, ...) end

---@param format string
---@param ... any
function px.log.info(format, ...) end

---@param format string
---@param ... any
function px.log.warn(format, ...) end

---@param format string
---@param ... any
function px.log.error(format, ...) end

px.json = {}

---@param value any
---@return string
function px.json.encode(value) end

---@param text string
---@return any
function px.json.decode(text) end

px.time = {}

---Now, in Unix seconds with fractions (follows PXSCRIPT_NOW in tests).
---@return number
function px.time.now() end

---An ISO 8601 time (the API's sent_at) in Unix seconds.
---@param text string
---@return number
function px.time.parse(text) end

---Formats Unix seconds with os.date's % codes in --tz (ISO 8601 when no format is given).
---@param t number
---@param format string?
---@param tz string?
---@return string
function px.time.format(t, format, tz) end

---"3d", "12h", "90m", "1h30m" in seconds.
---@param text string
---@return number
function px.duration(text) end

---Arguments after `--` on the command line.
---@type string[]
px.args = {}

---True under --dry-run.
---@type boolean
px.dry_run = false

-- Scenario files (`*_test.lua`, run by `pxscript test`; docs/testing.md).

---A test studio and a virtual clock for one scenario.
---@class px.Scenario
local Scenario = {}

---Sets the clock: "2026-06-01 10:00" or ISO 8601 (without a zone, in the scenario's).
---@param time string
function Scenario:at(time) end

---The clock's time, "2026-06-01 10:00" in the scenario's zone.
---@return string
function Scenario:now() end

---A conversation with a client, without messages yet; returns its id.
---@param spec { client: string, email: string?, subject: string? }
---@return string
function Scenario:conversation(spec) end

---The client writes in a conversation (after advancing the clock by `after`).
---@param conversation string
---@param text string
---@param options { after: string|number }?
function Scenario:client_writes(conversation, text, options) end

---You answer personally from the web app (not a send of a script).
---@param conversation string
---@param text string
---@param options { after: string|number }?
function Scenario:studio_writes(conversation, text, options) end

---Moves the clock by a duration ("3d", or seconds); a watched script does what falls due on the way.
---@param duration string|number
function Scenario:advance(duration) end

---Runs a script once, to completion, at the clock's time; returns what it returned, as text.
---@param script string
---@param options { args: string[], max_sends: integer }?
---@return string ...
function Scenario:run(script, options) end

---Starts watching scripts (the daemon, on the virtual clock) until the scenario ends.
---@param ... string|{ interval: string|number, max_sends: integer }
function Scenario:watch(...) end

---The sandbox's faults from now on, e.g. { error_after_commit = 0.5 }.
---@param spec table<string, number|string>
function Scenario:faults(spec) end

---What a script's px.store holds for `key` (the script run or watched last, or `script`).
---@param key string
---@param script string?
---@return any
function Scenario:store(key, script) end

---A script's journal, oldest first: { at, kind, conversation, detail }.
---@param script string?
---@return { at: string, kind: string, conversation: string?, detail: string }[]
function Scenario:journal(script) end

---The open approval requests of a script (the one run or watched last, or `script`), oldest first.
---@param script string?
---@return { id: string, conversation: string, text: string, status: string }[]
function Scenario:approvals(script) end

---What the script (or the daemon, about it) would have told you (`px.notify`, a parked handler, …),
---oldest first: recorded in a scenario, never delivered.
---@param script string?
---@return { title: string, text: string, kind: string }[]
function Scenario:notifications(script) end

---Approves a request (with the text edited, if given): under s:watch it goes out at the next
---poll (s:advance), otherwise at once; withdrawn instead if the conversation moved on.
---@param id string
---@param text string?
function Scenario:approve(id, text) end

---Rejects a request, with an optional reason.
---@param id string
---@param reason string?
function Scenario:reject(id, reason) end

---Checks the sends not yet checked: `count` of them exactly (at least one without),
---to `conversation` (any without), the text `matching` (plain), `pattern` (Lua), or `exact`,
---with `attachments` by name, `at` ("2026-06-04 10:00", or a prefix) or `on` ("2026-06-04").
---@param conversation string?
---@param options { count: integer?, matching: string?, pattern: string?, exact: string?, attachments: string[]?, at: string?, on: string? }?
function Scenario:expect_sent(conversation, options) end

---Checks that nothing was sent since the last check.
function Scenario:expect_no_sends() end

px.test = {}

---Declares a scenario: `fn(s)` runs on a fresh studio. Options: tz, demo (start from the
---demo studio), start (the clock's first time).
---@param name string
---@param fn fun(s: px.Scenario)
---@param options { tz: string?, demo: boolean?, start: string? }?
function px.test.scenario(name, fn, options) end

/// The Lua side of `px.test`: scenarios are registered here, the
/// scenario object `s` forwards to the host (`px.test.__host`), and the
/// expectations are checked here, in the scenario's own language, so a
/// failure names the scenario's line. The host keeps the world (studio,
/// clock, scripts) and the sends not yet checked.
enum ScenarioPrelude {
    static let source = #"""
    local host = px.test.__host
    px.test.__host = nil
    local scenarios = {}
    local Scenario = {}
    Scenario.__index = Scenario

    local function check(value, kind, n, name, optional)
      if value == nil and optional then return end
      if type(value) ~= kind then
        error(("bad argument #%d to '%s' (%s expected, got %s)"):format(n, name, kind, type(value)), 3)
      end
    end

    function px.test.scenario(name, fn, options)
      check(name, "string", 1, "scenario")
      check(fn, "function", 2, "scenario")
      check(options, "table", 3, "scenario", true)
      scenarios[#scenarios + 1] = fn
      host.declare(name, options or {})
    end

    function px.test.__run(index)
      scenarios[index](setmetatable({}, Scenario))
    end

    -- A host error is the scenario's: raised again at the scenario's line, not this file's.
    -- (Level 2: the methods call `relay` as a tail call, so their caller is next.)
    local function relay(ok, ...)
      if not ok then
        local message = tostring((...)):gsub("^px%.test:%d+: ", "")
        error(message, 2)
      end
      return ...
    end

    function Scenario:at(time) check(time, "string", 1, "at"); return relay(pcall(host.at, time)) end
    function Scenario:now() return relay(pcall(host.now)) end
    function Scenario:conversation(spec)
      check(spec, "table", 1, "conversation")
      return relay(pcall(host.conversation, spec))
    end
    function Scenario:client_writes(c, text, options) return relay(pcall(host.write, "client", c, text, options)) end
    function Scenario:studio_writes(c, text, options) return relay(pcall(host.write, "studio", c, text, options)) end
    function Scenario:advance(duration) return relay(pcall(host.advance, duration)) end
    function Scenario:run(script, options)
      check(script, "string", 1, "run")
      return relay(pcall(host.run, script, options or {}))
    end
    function Scenario:watch(...) return relay(pcall(host.watch, ...)) end
    function Scenario:faults(spec) check(spec, "table", 1, "faults"); return relay(pcall(host.faults, spec)) end
    function Scenario:store(key, script) check(key, "string", 1, "store"); return relay(pcall(host.store, key, script)) end
    function Scenario:journal(script) return relay(pcall(host.journal, script)) end
    function Scenario:approvals(script) return relay(pcall(host.approvals, script)) end
    function Scenario:notifications(script) return relay(pcall(host.notifications, script)) end
    function Scenario:approve(id, text)
      check(id, "string", 1, "approve"); check(text, "string", 2, "approve", true)
      return relay(pcall(host.decide, "approve", id, text))
    end
    function Scenario:reject(id, reason)
      check(id, "string", 1, "reject"); check(reason, "string", 2, "reject", true)
      return relay(pcall(host.decide, "reject", id, reason))
    end

    -- One send as a failure shows it: when, to whom, which line sent it, the text.
    local function describe(send)
      local line = send.line ~= "" and ("  [" .. send.line .. "]") or ""
      local lines = { ("  %s  to %s (%s)%s"):format(send.at, send.conversation, send.client, line) }
      for text in (send.text .. "\n"):gmatch("(.-)\n") do lines[#lines + 1] = "    | " .. text end
      if #send.attachments > 0 then lines[#lines + 1] = "    attachments: " .. table.concat(send.attachments, ", ") end
      return table.concat(lines, "\n")
    end

    local function report(expected, sends)
      local lines = { "expected " .. expected }
      if #sends == 0 then
        lines[#lines + 1] = "sent since the last check: nothing"
      else
        lines[#lines + 1] = "sent since the last check:"
        for _, send in ipairs(sends) do lines[#lines + 1] = describe(send) end
      end
      return table.concat(lines, "\n")
    end

    local known = { count = "number", matching = "string", pattern = "string", exact = "string",
                    attachments = "table", at = "string", on = "string" }

    local function matches(send, c, o)
      if c ~= nil and send.conversation ~= c then return false end
      if o.matching and not send.text:find(o.matching, 1, true) then return false end
      if o.pattern and not send.text:find(o.pattern) then return false end
      if o.exact and send.text ~= o.exact then return false end
      if o.at and send.at:sub(1, #o.at) ~= o.at then return false end
      if o.on and send.at:sub(1, 10) ~= o.on then return false end
      for _, name in ipairs(o.attachments or {}) do
        local found = false
        for _, have in ipairs(send.attachments) do found = found or have == name end
        if not found then return false end
      end
      return true
    end

    local function wording(c, o)
      local parts = { o.count and (o.count .. " send" .. (o.count == 1 and "" or "s")) or "a send" }
      if c then parts[#parts + 1] = "to " .. c end
      if o.matching then parts[#parts + 1] = ("containing %q"):format(o.matching) end
      if o.pattern then parts[#parts + 1] = ("matching pattern %q"):format(o.pattern) end
      if o.exact then parts[#parts + 1] = ("exactly %q"):format(o.exact) end
      if o.at then parts[#parts + 1] = "at " .. o.at end
      if o.on then parts[#parts + 1] = "on " .. o.on end
      if o.attachments then parts[#parts + 1] = "with " .. table.concat(o.attachments, ", ") end
      return table.concat(parts, " ")
    end

    -- The sends not yet checked that match: `count` of them exactly (or at least one);
    -- those it matched are checked, so the next expectation sees only what came after.
    function Scenario:expect_sent(c, options)
      if type(c) == "table" and options == nil then c, options = nil, c end
      check(c, "string", 1, "expect_sent", true)
      check(options, "table", 2, "expect_sent", true)
      options = options or {}
      for key, value in pairs(options) do
        if not known[key] then error(("bad argument #2 to 'expect_sent' (unknown option '%s')"):format(tostring(key)), 2) end
        if type(value) ~= known[key] then
          error(("bad argument #2 to 'expect_sent' (%s: %s expected, got %s)"):format(key, known[key], type(value)), 2)
        end
      end
      if options.count and (options.count < 0 or options.count % 1 ~= 0) then
        error("bad argument #2 to 'expect_sent' (count: a whole number from 0 expected)", 2)
      end
      local sends, matched = host.unchecked(), {}
      for _, send in ipairs(sends) do
        if matches(send, c, options) then matched[#matched + 1] = send.id end
      end
      local ok = options.count == nil and #matched > 0 or #matched == options.count
      if not ok then error(report(wording(c, options) .. ", found " .. #matched, sends), 2) end
      host.check(matched)
    end

    function Scenario:expect_no_sends()
      local sends = host.unchecked()
      if #sends > 0 then error(report("no sends", sends), 2) end
    end
    """#
}

import PXState
-- unread-digest.lua: what is waiting for an answer, in one screen, and on
-- your phone when config.toml has a [notify] target (docs/notifications.md).
--
--   pxscript run examples/unread-digest.lua
--   pxscript watch: px.cron("0 8 * * 1-5", …) around the same lines, for a morning digest

local unread = px.unread()
local heading = ("%d unread message%s in %d conversation%s"):format(
  unread.unread_count, unread.unread_count == 1 and "" or "s",
  unread.conversations_with_unread, unread.conversations_with_unread == 1 and "" or "s")
print(heading)

local lines = {}
for conversation in px.conversations.each{ message_status = "unread", message = true } do
  local client = conversation.participants[1]
  local latest = conversation.messages and conversation.messages[#conversation.messages]
  local when = px.time.format(px.time.parse(conversation.last_message_at), "%a %d %b %H:%M")
  local preview = latest and latest.content:gsub("%s+", " "):sub(1, 60) or ""
  local line = ("- %s  %s (%s): %s"):format(when, client and client.name or "?", conversation.subject, preview)
  print(line)
  lines[#lines + 1] = line
end
if #lines > 0 then
  px.notify(table.concat(lines, "\n", 1, math.min(#lines, 10)), { title = heading })
end
return #lines

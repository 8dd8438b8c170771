-- unread-digest.lua: what is waiting for an answer, in one screen.
--
--   pxscript run examples/unread-digest.lua

local unread = px.unread()
print(("%d unread message%s in %d conversation%s"):format(
  unread.unread_count, unread.unread_count == 1 and "" or "s",
  unread.conversations_with_unread, unread.conversations_with_unread == 1 and "" or "s"))

local lines = 0
for conversation in px.conversations.each{ message_status = "unread", message = true } do
  local client = conversation.participants[1]
  local latest = conversation.messages and conversation.messages[#conversation.messages]
  local when = px.time.format(px.time.parse(conversation.last_message_at), "%a %d %b %H:%M")
  local preview = latest and latest.content:gsub("%s+", " "):sub(1, 60) or ""
  print(("- %s  %s (%s): %s"):format(when, client and client.name or "?", conversation.subject, preview))
  lines = lines + 1
end
return lines

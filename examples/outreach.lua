-- outreach.lua: announce spring mini-sessions, with the PDF, to the clients
-- a rule picks. Safe to run again: the send key means nobody gets it twice.
--
--   pxscript run examples/outreach.lua --dry-run
--   pxscript run examples/outreach.lua -- spring-minis-2026

local campaign = px.args[1] or "spring-minis-2026"

-- The rule: families, newborns and maternity clients with an active conversation.
local function interested(conversation)
  local subject = (conversation.subject or ""):lower()
  return subject:find("family") or subject:find("newborn") or subject:find("maternity")
end

local chosen = {}
for conversation in px.conversations.each{ message_status = "inbox" } do
  if interested(conversation) then chosen[#chosen + 1] = conversation end
end
px.log.info("%d clients chosen for %s", #chosen, campaign)

local results, errors = px.map(chosen, function(conversation)
  local client = conversation.participants[1]
  local text = px.template.file("templates/outreach.mustache", {
    first_name = client.name:match("^(%S+)") or client.name,
  })
  return px.send(conversation.id, text, {
    key = campaign,
    attachments = { { path = "files/spring-minis.pdf", filename = "Spring Mini Sessions.pdf" } },
  })
end, { concurrency = 4 })

local failed = 0
for index, problem in pairs(errors) do
  failed = failed + 1
  px.log.warn("%s: %s", chosen[index].id, problem)
end
return #chosen - failed, failed

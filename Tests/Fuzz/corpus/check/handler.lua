px.on("message", function(event)
  event:reply("hi", { aprove = true })
  if event.message.sender_type == "studio" then end
end, { max_age = "1d" })

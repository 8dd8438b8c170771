-- wrk script: POST /conversation_messages to the conversation in PX_CONVERSATION.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Cookie"] = os.getenv("PX_COOKIE") or "session_cookie=sandbox"
wrk.body = '{"conversation_id":"' .. os.getenv("PX_CONVERSATION") .. '","content":"Thanks for your message! I will get back to you today."}'

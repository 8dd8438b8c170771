#include "RawTable.h"
#include <stdio.h>
#include <lua.h>

static void set_string(lua_State *L, const char *key, const char *value) {
    lua_pushstring(L, value);
    lua_setfield(L, -2, key);
}

// The same values as the Swift side's `messages` in LuaBench.swift.
int raw_conversation(void *state) {
    lua_State *L = (lua_State *)state;
    char buffer[96];
    lua_createtable(L, 100, 0);
    for (int i = 0; i < 100; i++) {
        lua_createtable(L, 0, 7);
        snprintf(buffer, sizeof buffer, "msg_%d", i);
        set_string(L, "id", buffer);
        set_string(L, "conversation_id", "conv_A");
        snprintf(buffer, sizeof buffer, "Message number %d about the wedding timeline.", i);
        set_string(L, "content", buffer);
        set_string(L, "sent_at", "2025-08-07T10:30:00.000000Z");
        set_string(L, "sender_type", i % 2 == 0 ? "client" : "photographer");
        set_string(L, "sender_id", "cl_X");
        lua_createtable(L, i % 10 == 0 ? 1 : 0, 0);
        if (i % 10 == 0) {
            lua_createtable(L, 0, 5);
            snprintf(buffer, sizeof buffer, "att_%d", i);
            set_string(L, "id", buffer);
            set_string(L, "filename", "guide.pdf");
            lua_pushinteger(L, 245760);
            lua_setfield(L, -2, "file_size");
            set_string(L, "content_type", "application/pdf");
            set_string(L, "url", "https://x/att");
            lua_rawseti(L, -2, 1);
        }
        lua_setfield(L, -2, "attachments");
        lua_rawseti(L, -2, i + 1);
    }
    return 1;
}

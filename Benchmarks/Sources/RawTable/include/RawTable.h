#ifndef RAW_TABLE_H
#define RAW_TABLE_H

/// A lua_CFunction that pushes the benchmark's 100-message conversation
/// built with the raw C API: the floor Codable → Lua is compared with.
int raw_conversation(void *L);

#endif

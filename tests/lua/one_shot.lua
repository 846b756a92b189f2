-- one_shot.lua: neither main() nor on_loop(): the file runs once and luna
-- exits 0, as the reference did.
print("one-shot ran")

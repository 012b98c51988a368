-- Wireshark dissector for the hesemcom link-layer frame (phy/frame/doc.go),
-- registered on LINKTYPE_USER0 (147, wtap encapsulation USER0).
-- Usage: wireshark -X lua_script:hesemcom.lua golden_v1.pcap
local p = Proto("hesemcom", "hesemcom link-layer frame")
local types = { [1] = "data", [2] = "ciphertext", [3] = "features", [4] = "key", [5] = "control" }
local f_ver = ProtoField.uint8("hesemcom.version", "Version")
local f_type = ProtoField.uint8("hesemcom.type", "Type", base.DEC, types)
local f_key = ProtoField.uint16("hesemcom.key_id", "Key id")
local f_seq = ProtoField.uint32("hesemcom.seq", "Sequence")
local f_len = ProtoField.uint16("hesemcom.length", "Payload length")
local f_pay = ProtoField.bytes("hesemcom.payload", "Payload")
local f_crc = ProtoField.uint32("hesemcom.crc", "CRC-32", base.HEX)
p.fields = { f_ver, f_type, f_key, f_seq, f_len, f_pay, f_crc }

-- CRC-32 (IEEE 802.3, reflected, polynomial 0xEDB88320) over buf(off, len).
local function crc32(buf, off, len)
  local crc = 0xFFFFFFFF
  for i = off, off + len - 1 do
    crc = bit32.bxor(crc, buf(i, 1):uint())
    for _ = 1, 8 do
      if bit32.band(crc, 1) ~= 0 then
        crc = bit32.bxor(bit32.rshift(crc, 1), 0xEDB88320)
      else
        crc = bit32.rshift(crc, 1)
      end
    end
  end
  return bit32.bxor(crc, 0xFFFFFFFF)
end

function p.dissector(buf, pinfo, tree)
  if buf:len() < 14 then return 0 end
  pinfo.cols.protocol = "HESEMCOM"
  local t = tree:add(p, buf())
  t:add(f_ver, buf(0, 1))
  t:add(f_type, buf(1, 1))
  t:add(f_key, buf(2, 2))
  t:add(f_seq, buf(4, 4))
  t:add(f_len, buf(8, 2))
  local n = buf(8, 2):uint()
  if buf:len() < 14 + n then
    t:add_expert_info(PI_MALFORMED, PI_ERROR, "truncated frame")
    return buf:len()
  end
  if n > 0 then t:add(f_pay, buf(10, n)) end
  local ct = t:add(f_crc, buf(10 + n, 4))
  local ok = crc32(buf, 0, 10 + n) == buf(10 + n, 4):uint()
  if not ok then
    ct:add_expert_info(PI_CHECKSUM, PI_ERROR, "CRC-32 mismatch: corrupted frame")
  end
  pinfo.cols.info = string.format("%s seq=%d key=%d len=%d%s",
    types[buf(1, 1):uint()] or "?", buf(4, 4):uint(), buf(2, 2):uint(), n, ok and "" or " [CRC ERROR]")
  return 14 + n
end

DissectorTable.get("wtap_encap"):add(wtap.USER0, p)

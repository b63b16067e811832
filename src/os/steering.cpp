// SPDX-License-Identifier: GPL-2.0-or-later
// The two steering programs, written as instructions (no BPF toolchain at build time). Offsets
// and hash: proto/steering.hpp.
#include "os/steering.hpp"

#include <linux/bpf.h>
#include <linux/filter.h>
#include <linux/if_tun.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <vector>

#include "os/fd.hpp"
#include "proto/steering.hpp"

namespace teredo::os {

namespace {

constexpr sock_filter stmt(std::uint16_t code, std::uint32_t k) {
  return sock_filter{code, 0, 0, k};
}
constexpr sock_filter jump(std::uint16_t code, std::uint32_t k, std::uint8_t jt, std::uint8_t jf) {
  return sock_filter{code, jt, jf, k};
}

constexpr std::uint32_t kSrc = proto::kIpv6SourceOffset;

}  // namespace

OsStatus attach_udp_steering(int fd, unsigned workers, const proto::SteeringKey& key, bool auth_to_first) {
  if (workers == 0) return errno_error("attach_udp_steering", EINVAL);
  // A = the socket index; X = offset of the IPv6 header in the UDP payload; M[0] keeps X while
  // M[1] keeps the hash between rounds. A load beyond the datagram ends the program with 0 (worker 0).
  // The kernel's encoding has zero-valued fields (BPF_LD, BPF_ALU, BPF_ADD, BPF_K, BPF_W...), so
  // "BPF_ALU | BPF_ADD | BPF_K" ORs equal operands on purpose.
  // NOLINTBEGIN(misc-redundant-expression)
  std::vector<sock_filter> prog = {
      stmt(BPF_LDX | BPF_IMM, 0),         // X = 0
      stmt(BPF_LD | BPF_H | BPF_ABS, 0),  // A = bytes 0-1
  };
  if (auth_to_first) {
    prog.push_back(jump(BPF_JMP | BPF_JEQ | BPF_K, 1, 0, 1));  // 00 01: authentication header:
    prog.push_back(stmt(BPF_RET | BPF_K, 0));                  //   worker 0 (qualification)
  } else {
    prog.insert(prog.end(), {
                                jump(BPF_JMP | BPF_JEQ | BPF_K, 1, 0, 6),  // 00 01: authentication header
                                stmt(BPF_LD | BPF_B | BPF_ABS, 2),         // A = ID-len
                                stmt(BPF_MISC | BPF_TAX, 0),               // X = ID-len
                                stmt(BPF_LD | BPF_B | BPF_ABS, 3),         // A = AU-len
                                stmt(BPF_ALU | BPF_ADD | BPF_X, 0),        // A += X
                                stmt(BPF_ALU | BPF_ADD | BPF_K, 13),       // A += 13
                                stmt(BPF_MISC | BPF_TAX, 0),               // X = A (skip it)
                            });
  }
  prog.insert(prog.end(), {
                              stmt(BPF_LD | BPF_H | BPF_IND, 0),         // A = bytes X, X+1
                              jump(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 3),  // 00 00: origin indication
                              stmt(BPF_MISC | BPF_TXA, 0),               // A = X
                              stmt(BPF_ALU | BPF_ADD | BPF_K, 8),        // A += 8
                              stmt(BPF_MISC | BPF_TAX, 0),               // X = A (skip it)
                              stmt(BPF_STX, 0),                          // M[0] = X
                          });
  // The rounds of proto::steering_hash; M[1] keeps h between them (h = 0 before the first).
  for (std::uint32_t i = 0; i < 4; ++i) {
    if (i > 0) prog.push_back(stmt(BPF_LDX | BPF_MEM, 0));          // X = offset
    prog.push_back(stmt(BPF_LD | BPF_W | BPF_IND, kSrc + 4 * i));   // A = word i
    prog.push_back(stmt(BPF_ALU | BPF_ADD | BPF_K, key.words[i]));  // A += k_i
    if (i > 0) {
      prog.push_back(stmt(BPF_LDX | BPF_MEM, 1));          // X = h
      prog.push_back(stmt(BPF_ALU | BPF_XOR | BPF_X, 0));  // A ^= h
    }
    prog.insert(prog.end(), {
                                stmt(BPF_ALU | BPF_MUL | BPF_K, proto::kSteeringMultiplier),  // A *= C
                                stmt(BPF_MISC | BPF_TAX, 0),                                  // X = A
                                stmt(BPF_ALU | BPF_RSH | BPF_K, 16),                          // A >>= 16
                                stmt(BPF_ALU | BPF_XOR | BPF_X, 0),                           // A ^= X: h
                            });
    if (i < 3) prog.push_back(stmt(BPF_ST, 1));  // M[1] = h
  }
  prog.insert(prog.end(), {
                              stmt(BPF_ALU | BPF_AND | BPF_K, 0xffff),   // A &= 0xffff
                              stmt(BPF_ALU | BPF_MOD | BPF_K, workers),  // A %= workers
                              stmt(BPF_RET | BPF_A, 0),                  // the socket index
                          });
  // NOLINTEND(misc-redundant-expression)
  sock_fprog fprog{static_cast<unsigned short>(prog.size()), prog.data()};
  if (::setsockopt(fd, SOL_SOCKET, SO_ATTACH_REUSEPORT_CBPF, &fprog, sizeof fprog) != 0)
    return errno_error("setsockopt(SO_ATTACH_REUSEPORT_CBPF)");
  return Ok{};
}

namespace {

constexpr bpf_insn insn(std::uint8_t code, std::uint8_t dst, std::uint8_t src, std::int32_t imm) {
  bpf_insn i{};
  i.code = code;
  i.dst_reg = dst & 0xf;
  i.src_reg = src & 0xf;
  i.off = 0;
  i.imm = imm;
  return i;
}

/// A 32-bit constant as an instruction's immediate (the 32-bit ALU uses its bits as they are).
constexpr std::int32_t as_imm(std::uint32_t v) {
  return static_cast<std::int32_t>(v);
}

}  // namespace

OsStatus attach_tun_steering(int fd, const proto::SteeringKey& key) {
  constexpr std::int32_t kDst = proto::kIpv6DestinationOffset;
  // r6 = skb (LD_ABS reads through it); r7 = h, the rounds of proto::steering_hash in 32-bit ALU
  // operations (LD_ABS loads a big-endian word into r0 in host order; a short packet ends with 0).
  // NOLINTBEGIN(misc-redundant-expression): zero-valued fields again (BPF_ADD, BPF_K)
  std::vector<bpf_insn> prog = {
      insn(BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_6, BPF_REG_1, 0),
      insn(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_7, 0, 0),
  };
  for (std::size_t i = 0; i < 4; ++i) {
    const auto word = static_cast<std::int32_t>(4 * i);
    prog.insert(prog.end(),
                {
                    insn(BPF_LD | BPF_W | BPF_ABS, 0, 0, kDst + word),                    // r0 = word i
                    insn(BPF_ALU | BPF_ADD | BPF_K, BPF_REG_0, 0, as_imm(key.words[i])),  // += k_i
                    insn(BPF_ALU | BPF_XOR | BPF_X, BPF_REG_7, BPF_REG_0, 0),             // h ^= r0
                    insn(BPF_ALU | BPF_MUL | BPF_K, BPF_REG_7, 0, as_imm(proto::kSteeringMultiplier)),
                    insn(BPF_ALU | BPF_MOV | BPF_X, BPF_REG_0, BPF_REG_7, 0),  // r0 = h
                    insn(BPF_ALU | BPF_RSH | BPF_K, BPF_REG_0, 0, 16),         // r0 >>= 16
                    insn(BPF_ALU | BPF_XOR | BPF_X, BPF_REG_7, BPF_REG_0, 0),  // h ^= r0
                });
  }
  prog.insert(prog.end(), {
                              insn(BPF_ALU | BPF_MOV | BPF_X, BPF_REG_0, BPF_REG_7, 0),
                              insn(BPF_ALU | BPF_AND | BPF_K, BPF_REG_0, 0, 0xffff),
                              // The kernel keeps the low 16 bits and takes them modulo the number of queues.
                              insn(BPF_JMP | BPF_EXIT, 0, 0, 0),
                          });
  // NOLINTEND(misc-redundant-expression)
  static constexpr char kLicense[] = "GPL";  // no helper is called; any string would do
  bpf_attr attr{};
  attr.prog_type = BPF_PROG_TYPE_SOCKET_FILTER;
  attr.insn_cnt = static_cast<std::uint32_t>(prog.size());
  attr.insns = reinterpret_cast<std::uint64_t>(prog.data());
  attr.license = reinterpret_cast<std::uint64_t>(kLicense);
  const long prog_fd = ::syscall(SYS_bpf, BPF_PROG_LOAD, &attr, sizeof attr);
  if (prog_fd < 0) return errno_error("bpf(BPF_PROG_LOAD)");
  Fd program(static_cast<int>(prog_fd));
  int pfd = program.get();
  if (::ioctl(fd, TUNSETSTEERINGEBPF, &pfd) != 0) return errno_error("ioctl(TUNSETSTEERINGEBPF)");
  return Ok{};  // the device keeps its own reference to the program
}

}  // namespace teredo::os

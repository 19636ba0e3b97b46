package kernel

import (
	"github.com/cilium/ebpf"

	"github.com/vigil-sec/vigil/internal/event"
)

// netSyscalls are the socket and descriptor system calls (bpf/net.bpf.c),
// all decoded by decodeNet.
var netSyscalls = [...]syscallKind{
	{scSocket, event.TypeSocket, (*Decoder).decodeNet, netProg(func(p *netPrograms) *ebpf.Program { return p.TraceExitSocket })},
	{scConnect, event.TypeConnect, (*Decoder).decodeNet, netProg(func(p *netPrograms) *ebpf.Program { return p.TraceExitConnect })},
	{scAccept, event.TypeAccept, (*Decoder).decodeNet, netProg(func(p *netPrograms) *ebpf.Program { return p.TraceExitAccept })},
	{scAccept4, event.TypeAccept4, (*Decoder).decodeNet, netProg(func(p *netPrograms) *ebpf.Program { return p.TraceExitAccept4 })},
	{scBind, event.TypeBind, (*Decoder).decodeNet, netProg(func(p *netPrograms) *ebpf.Program { return p.TraceExitBind })},
	{scListen, event.TypeListen, (*Decoder).decodeNet, netProg(func(p *netPrograms) *ebpf.Program { return p.TraceExitListen })},
	{scSendto, event.TypeSendto, (*Decoder).decodeNet, netProg(func(p *netPrograms) *ebpf.Program { return p.TraceExitSendto })},
	{scSendmsg, event.TypeSendmsg, (*Decoder).decodeNet, netProg(func(p *netPrograms) *ebpf.Program { return p.TraceExitSendmsg })},
	{scRecvfrom, event.TypeRecvfrom, (*Decoder).decodeNet, netProg(func(p *netPrograms) *ebpf.Program { return p.TraceExitRecvfrom })},
	{scRecvmsg, event.TypeRecvmsg, (*Decoder).decodeNet, netProg(func(p *netPrograms) *ebpf.Program { return p.TraceExitRecvmsg })},
	{scDup, event.TypeDup, (*Decoder).decodeNet, netProg(func(p *netPrograms) *ebpf.Program { return p.TraceExitDup })},
	{scDup2, event.TypeDup2, (*Decoder).decodeNet, netProg(func(p *netPrograms) *ebpf.Program { return p.TraceExitDup2 })},
	{scDup3, event.TypeDup3, (*Decoder).decodeNet, netProg(func(p *netPrograms) *ebpf.Program { return p.TraceExitDup3 })},
}

//go:build windows

package netpoll

import (
	"os"
	"unsafe"

	"golang.org/x/sys/windows"
)

// The AFD side of the Windows poller: the undocumented but stable
// interface of the Winsock kernel driver that select() and WSAPoll are
// built on. See poller_iocp.go for how the poller uses it.

const (
	ioctlAfdPoll = 0x00012024

	afdPollReceive     = 0x0001
	afdPollSend        = 0x0004
	afdPollDisconnect  = 0x0008
	afdPollAbort       = 0x0010
	afdPollLocalClose  = 0x0020
	afdPollAccept      = 0x0080
	afdPollConnectFail = 0x0100

	sioBaseHandle    = 0x48000022 // SIO_BASE_HANDLE
	sioBspHandlePoll = 0x4800001D // SIO_BSP_HANDLE_POLL

	wakeKey = 1 // completion key of Wake packets; AFD completions use 0
)

var (
	modntdll                        = windows.NewLazySystemDLL("ntdll.dll")
	procNtDeviceIoControlFile       = modntdll.NewProc("NtDeviceIoControlFile")
	procNtCancelIoFileEx            = modntdll.NewProc("NtCancelIoFileEx")
	modkernel32                     = windows.NewLazySystemDLL("kernel32.dll")
	procGetQueuedCompletionStatusEx = modkernel32.NewProc("GetQueuedCompletionStatusEx")
)

type afdPollHandleInfo struct {
	Handle windows.Handle
	Events uint32
	Status windows.NTStatus
}

type afdPollInfo struct {
	Timeout         int64
	NumberOfHandles uint32
	Exclusive       uint32
	Handles         [1]afdPollHandleInfo
}

// openAFD opens a handle to the AFD driver and ties it to port: poll
// requests made through it complete on the port.
func openAFD(port windows.Handle) (windows.Handle, error) {
	name, err := windows.NewNTUnicodeString(`\Device\Afd\Luna`)
	if err != nil {
		return 0, err
	}
	oa := windows.OBJECT_ATTRIBUTES{ObjectName: name}
	oa.Length = uint32(unsafe.Sizeof(oa))
	var iosb windows.IO_STATUS_BLOCK
	var h windows.Handle
	err = windows.NtCreateFile(&h, windows.SYNCHRONIZE, &oa, &iosb, nil, 0,
		windows.FILE_SHARE_READ|windows.FILE_SHARE_WRITE, windows.FILE_OPEN, 0, 0, 0)
	if err != nil {
		return 0, os.NewSyscallError("NtCreateFile", err)
	}
	if _, err := windows.CreateIoCompletionPort(h, port, 0, 0); err != nil {
		windows.CloseHandle(h)
		return 0, os.NewSyscallError("CreateIoCompletionPort", err)
	}
	if err := windows.SetFileCompletionNotificationModes(h, windows.FILE_SKIP_SET_EVENT_ON_HANDLE); err != nil {
		windows.CloseHandle(h)
		return 0, os.NewSyscallError("SetFileCompletionNotificationModes", err)
	}
	return h, nil
}

// baseHandle returns the socket AFD polls: the base provider's, below any
// layered service provider.
func baseHandle(sock windows.Handle) (windows.Handle, error) {
	var err error
	for _, ioctl := range []uint32{sioBaseHandle, sioBspHandlePoll} {
		var base windows.Handle
		var n uint32
		err = windows.WSAIoctl(sock, ioctl, nil, 0, (*byte)(unsafe.Pointer(&base)),
			uint32(unsafe.Sizeof(base)), &n, nil, 0)
		if err == nil && base != 0 && base != windows.InvalidHandle {
			return base, nil
		}
	}
	return 0, os.NewSyscallError("WSAIoctl", err)
}

// afdEvents is the AFD event mask for an interest; aborts, local closes and
// failed connects are always asked for.
func afdEvents(in Interest) uint32 {
	ev := uint32(afdPollAbort | afdPollLocalClose | afdPollConnectFail)
	if in&Read != 0 {
		ev |= afdPollReceive | afdPollAccept | afdPollDisconnect
	}
	if in&Write != 0 {
		ev |= afdPollSend
	}
	return ev
}

// afdReady turns the AFD events of a completed request into readiness.
func afdReady(ev uint32, in Interest) Ready {
	var r Ready
	if ev&(afdPollReceive|afdPollAccept) != 0 {
		r |= Readable
	}
	if ev&afdPollDisconnect != 0 {
		r |= Readable | Hangup
	}
	if ev&afdPollSend != 0 {
		r |= Writable
	}
	if ev&afdPollAbort != 0 {
		r |= Readable | Writable | Hangup
	}
	if ev&afdPollConnectFail != 0 {
		r |= Writable | Failed
	}
	if r&Failed == 0 {
		// A request armed before Modify narrowed the interest may report
		// more than is wanted now.
		if in&Read == 0 {
			r &^= Readable
		}
		if in&Write == 0 {
			r &^= Writable
		}
	}
	return r
}

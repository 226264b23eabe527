//! Boots the guest example's VMM on /dev/kvm and checks what the guest did.

#[path = "../examples/guest/machine.rs"]
mod machine;
mod common;

#[test]
fn built_in_guest_prints_and_halts() {
    if common::open_kvm("built_in_guest_prints_and_halts").is_none() {
        return;
    }
    let mut streamed = Vec::new();
    let report = machine::run(machine::BUILT_IN_GUEST, |byte| streamed.push(byte)).expect("the guest runs");

    assert_eq!(report.output, b"Hello from the guest\n");
    assert_eq!(streamed, report.output, "every output byte reaches the callback");
    assert_eq!(report.io_exits, 21, "one exit per `out`");
    assert_eq!(report.hlt_exits, 1);
    assert_eq!(report.mmio_exits, 0);

    // After `hlt`, rip points past it; `mov ax, 0x2a` ran; `si` is past the NUL.
    let message_start = machine::LOAD_ADDRESS + 0x12;
    assert_eq!(report.regs.rip, message_start);
    assert_eq!(report.regs.rax, 0x2a);
    assert_eq!(report.regs.rdx, u64::from(machine::OUTPUT_PORT));
    assert_eq!(report.regs.rsi, message_start + b"Hello from the guest\n\0".len() as u64);
}

#[test]
fn flat_binary_reads_unbacked_port() {
    if common::open_kvm("flat_binary_reads_unbacked_port").is_none() {
        return;
    }
    // in al, 0x60 ; mov bl, al ; mov al, 'K' ; mov dx, 0x3f8 ; out dx, al ; hlt
    let program = b"\xe4\x60\x88\xc3\xb0K\xba\xf8\x03\xee\xf4";
    let report = machine::run(program, |_| {}).expect("the guest runs");

    assert_eq!(report.output, b"K");
    assert_eq!(report.io_exits, 2, "one `in` and one `out`");
    assert_eq!(report.regs.rbx & 0xff, 0xff, "an unbacked port reads as all ones");
    assert_eq!(report.regs.rip, machine::LOAD_ADDRESS + program.len() as u64);
}

#[test]
fn guest_touching_unbacked_memory_exits_mmio() {
    if common::open_kvm("guest_touching_unbacked_memory_exits_mmio").is_none() {
        return;
    }
    // mov ax, 0xf000 ; mov ds, ax ; mov byte [0xffff], 0x55 ; mov al, [0xfff0] ; hlt
    // Linear addresses 0xfffff and 0xffff0 lie inside the 1 MiB of memory, so this guest
    // uses an address past it instead: ds = 0xffff gives 0xffff0 + 0x20 = 0x100010.
    let program = b"\xb8\xff\xff\x8e\xd8\xc6\x06\x20\x00\x55\xa0\x20\x00\xf4";
    let report = machine::run(program, |_| {}).expect("the guest runs");

    assert_eq!(report.mmio_exits, 2, "one write and one read past guest memory");
    assert_eq!(report.regs.rax & 0xff, 0xff, "an unbacked read returns all ones");
}

#[test]
fn oversized_program_is_rejected() {
    let program = vec![0xf4; machine::MEMORY_SIZE];
    match machine::run(&program, |_| {}) {
        Err(machine::RunError::TooLarge(len)) => assert_eq!(len, machine::MEMORY_SIZE),
        other => panic!("expected TooLarge, got {other:?}"),
    }
}

#[test]
fn faulting_guest_is_reported() {
    if common::open_kvm("faulting_guest_is_reported").is_none() {
        return;
    }
    // lidt [0x1010] with a zero-limit IDT, then int3: no handler can be found.
    let mut program = b"\x0f\x01\x1e\x10\x10\xcc\xf4".to_vec();
    program.resize(0x10, 0x90);
    program.extend_from_slice(&[0, 0, 0, 0, 0, 0]);
    let error = machine::run(&program, |_| {}).expect_err("the guest cannot halt");
    // AMD reports a triple fault; Intel's real-mode emulation may stop earlier with an
    // emulation failure. Either way the error names the exit.
    let message = error.to_string();
    assert!(
        message.contains("KVM_EXIT_SHUTDOWN") || message.contains("KVM_EXIT_INTERNAL_ERROR"),
        "{message}"
    );
}

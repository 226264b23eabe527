use ioctl_core::{ioctl, AnyBitPattern};
use std::ffi::c_ulong;

#[repr(C)]
#[derive(Clone, Copy, Debug, Default, AnyBitPattern)]
pub struct KvmRegs {
    pub gp: [u64; 16],
    pub rip: u64,
    pub rflags: u64,
}

ioctl! {
    unsafe {
        group 0xAE;
        pub fd Kvm = "/dev/kvm";
        pub fd Vm;
        pub fd Vcpu;
        /// Version.
        pub none KVM_GET_API_VERSION = 0x00 on Kvm -> count;
        pub none KVM_CREATE_VM = 0x01 (c_ulong) on Kvm -> Vm;
        pub none KVM_CHECK_EXTENSION = 0x03 (c_ulong) on Kvm -> count;
        pub none KVM_CREATE_VCPU = 0x41 (c_ulong) on Vm -> Vcpu;
        pub read KVM_GET_REGS = 0x81 => KvmRegs on Vcpu;
        pub write KVM_SET_REGS = 0x82 => KvmRegs on Vcpu -> zero;
    }
}

ioctl! {
    unsafe {
        pub read FIONREAD = raw 0x541B => i32;
    }
}

#[test]
fn smoke() {
    assert_eq!(KVM_GET_REGS.request(), 0x8090AE81);
    let kvm = Kvm::open().unwrap();
    assert_eq!(KVM_GET_API_VERSION.call(&kvm).unwrap(), 12);
    let vm = KVM_CREATE_VM.call(&kvm, 0).unwrap();
    let vcpu = KVM_CREATE_VCPU.call(&vm, 0).unwrap();
    let mut regs = KVM_GET_REGS.call(&vcpu).unwrap();
    regs.rip = 0x1234;
    KVM_SET_REGS.call(&vcpu, &regs).unwrap();
    assert_eq!(KVM_GET_REGS.call(&vcpu).unwrap().rip, 0x1234);
    let (r, _w) = std::io::pipe().unwrap();
    assert_eq!(FIONREAD.call(&r).unwrap(), 0);
    println!("{:?} {:?}", KVM_GET_REGS, vcpu);
}

#[repr(C)]
#[derive(ioctl_core::StructLayout, AnyBitPattern)]
pub struct Pair { pub a: u8, pub b: u32 }

ioctl! {
    unsafe {
        group 0x11;
        pub table T;
        #[cfg(all())]
        pub read A = 1 => Pair;
        pub write B = 1 => u64 size u32;
    }
}

#[test]
fn table() {
    use ioctl_core::StructLayout;
    println!("{:#?} {:?}", T, Pair::FIELDS);
}

//! SEV firmware status codes (`sev_ret_code` of `linux/psp-sev.h`) and the error of a
//! command that reached, or tried to reach, the firmware.
//!
//! Both `SEV_ISSUE_CMD` and `KVM_MEMORY_ENCRYPT_OP` return the firmware's status in the
//! payload's `error` field next to the ioctl's own result. [`decode_status`] combines the
//! two:
//!
//! | ioctl result | status | outcome |
//! |---|---|---|
//! | 0 | 0 | success |
//! | 0 | not 0 | [`SevError::Firmware`] without an OS error |
//! | -1 (errno) | not 0 | [`SevError::Firmware`] with the errno beside the status |
//! | -1 (errno) | 0 | [`SevError::Os`]: the kernel failed before the firmware answered |

use std::fmt;
use std::io;

use crate::tables::Constant;

/// Defines [`FirmwareStatus`] and the constant tables of its codes.
macro_rules! firmware_statuses {
    (
        verified { $($(#[$doc:meta])* $variant:ident = $c_name:ident = $code:expr;)* }
        newer { $($(#[$new_doc:meta])* $new_variant:ident = $new_c_name:ident = $new_code:expr;)* }
    ) => {
        /// A status code of the SEV firmware, by its `SEV_RET_*` name.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum FirmwareStatus {
            $($(#[$doc])* $variant,)*
            $($(#[$new_doc])* $new_variant,)*
            /// A code that this crate does not name.
            Unknown(u32),
        }

        impl FirmwareStatus {
            /// Returns the status for a raw `error` field.
            pub const fn from_code(code: u32) -> FirmwareStatus {
                match code {
                    $($code => FirmwareStatus::$variant,)*
                    $($new_code => FirmwareStatus::$new_variant,)*
                    other => FirmwareStatus::Unknown(other),
                }
            }

            /// Returns the raw code, as the kernel stores it in the `error` field.
            pub const fn code(self) -> u32 {
                match self {
                    $(FirmwareStatus::$variant => $code,)*
                    $(FirmwareStatus::$new_variant => $new_code,)*
                    FirmwareStatus::Unknown(code) => code,
                }
            }

            /// Returns the C name (`SEV_RET_*`), or `None` for an unknown code.
            pub const fn c_name(self) -> Option<&'static str> {
                match self {
                    $(FirmwareStatus::$variant => Some(stringify!($c_name)),)*
                    $(FirmwareStatus::$new_variant => Some(stringify!($new_c_name)),)*
                    FirmwareStatus::Unknown(_) => None,
                }
            }
        }

        /// The status codes of the Linux 6.1 `psp-sev.h`, as `(C name, value)`.
        pub const SEV_STATUS_CONSTANTS: &[Constant] = &[$((stringify!($c_name), ($code as u32) as i32 as u64)),*];

        /// Status codes of newer `psp-sev.h` headers (Linux 6.9 and later), as `(C name,
        /// value)`; not in the installed headers.
        pub const SEV_UNVERIFIED_STATUS_CONSTANTS: &[Constant] = &[$((stringify!($new_c_name), ($new_code as u32) as i32 as u64)),*];
    };
}

firmware_statuses! {
    verified {
        /// The command succeeded.
        Success = SEV_RET_SUCCESS = 0x00;
        /// The platform is in the wrong state for the command.
        InvalidPlatformState = SEV_RET_INVALID_PLATFORM_STATE = 0x01;
        /// The guest is in the wrong state for the command.
        InvalidGuestState = SEV_RET_INVALID_GUEST_STATE = 0x02;
        /// The platform configuration is invalid. The C name keeps the header's spelling.
        InvalidConfig = SEV_RET_INAVLID_CONFIG = 0x03;
        /// A buffer is too small; the firmware reports the length it needs.
        InvalidLen = SEV_RET_INVALID_LEN = 0x04;
        /// The platform is already owned.
        AlreadyOwned = SEV_RET_ALREADY_OWNED = 0x05;
        /// A certificate is invalid.
        InvalidCertificate = SEV_RET_INVALID_CERTIFICATE = 0x06;
        /// The guest policy forbids the command.
        PolicyFailure = SEV_RET_POLICY_FAILURE = 0x07;
        /// The guest is not active.
        Inactive = SEV_RET_INACTIVE = 0x08;
        /// An address is invalid.
        InvalidAddress = SEV_RET_INVALID_ADDRESS = 0x09;
        /// A signature is invalid.
        BadSignature = SEV_RET_BAD_SIGNATURE = 0x0A;
        /// A measurement does not match.
        BadMeasurement = SEV_RET_BAD_MEASUREMENT = 0x0B;
        /// The ASID is already owned.
        AsidOwned = SEV_RET_ASID_OWNED = 0x0C;
        /// The ASID is invalid.
        InvalidAsid = SEV_RET_INVALID_ASID = 0x0D;
        /// A `WBINVD` must run first.
        WbinvdRequired = SEV_RET_WBINVD_REQUIRED = 0x0E;
        /// A `DF_FLUSH` must run first.
        DfflushRequired = SEV_RET_DFFLUSH_REQUIRED = 0x0F;
        /// The guest handle is invalid.
        InvalidGuest = SEV_RET_INVALID_GUEST = 0x10;
        /// The command is invalid.
        InvalidCommand = SEV_RET_INVALID_COMMAND = 0x11;
        /// The guest is active.
        Active = SEV_RET_ACTIVE = 0x12;
        /// A hardware error occurred on the platform.
        HwsevRetPlatform = SEV_RET_HWSEV_RET_PLATFORM = 0x13;
        /// The hardware platform is in an unsafe state.
        HwsevRetUnsafe = SEV_RET_HWSEV_RET_UNSAFE = 0x14;
        /// The feature is not supported.
        Unsupported = SEV_RET_UNSUPPORTED = 0x15;
        /// A parameter is invalid.
        InvalidParam = SEV_RET_INVALID_PARAM = 0x16;
        /// A resource limit was reached.
        ResourceLimit = SEV_RET_RESOURCE_LIMIT = 0x17;
        /// The persistent data failed its integrity check.
        SecureDataInvalid = SEV_RET_SECURE_DATA_INVALID = 0x18;
    }
    newer {
        /// The kernel failed before it called the firmware (the C value is -1).
        NoFwCall = SEV_RET_NO_FW_CALL = 0xFFFF_FFFF;
        /// A page size is invalid (SEV-SNP).
        InvalidPageSize = SEV_RET_INVALID_PAGE_SIZE = 0x19;
        /// A page is in the wrong RMP state (SEV-SNP).
        InvalidPageState = SEV_RET_INVALID_PAGE_STATE = 0x1A;
        /// A metadata entry is invalid (SEV-SNP).
        InvalidMdataEntry = SEV_RET_INVALID_MDATA_ENTRY = 0x1B;
        /// A page has the wrong owner (SEV-SNP).
        InvalidPageOwner = SEV_RET_INVALID_PAGE_OWNER = 0x1C;
        /// The AEAD counter overflowed (SEV-SNP).
        AeadOflow = SEV_RET_AEAD_OFLOW = 0x1D;
        /// The ring buffer is exhausted (SEV-SNP).
        ExitRingBuffer = SEV_RET_EXIT_RING_BUFFER = 0x1F;
        /// The RMP must be initialized first (SEV-SNP).
        RmpInitRequired = SEV_RET_RMP_INIT_REQUIRED = 0x20;
        /// A security version number is invalid (SEV-SNP).
        BadSvn = SEV_RET_BAD_SVN = 0x21;
        /// A version is invalid (SEV-SNP).
        BadVersion = SEV_RET_BAD_VERSION = 0x22;
        /// A shutdown must run first (SEV-SNP).
        ShutdownRequired = SEV_RET_SHUTDOWN_REQUIRED = 0x23;
        /// The firmware update failed (SEV-SNP).
        UpdateFailed = SEV_RET_UPDATE_FAILED = 0x24;
        /// A restore must run first (SEV-SNP).
        RestoreRequired = SEV_RET_RESTORE_REQUIRED = 0x25;
        /// RMP initialization failed (SEV-SNP).
        RmpInitializationFailed = SEV_RET_RMP_INITIALIZATION_FAILED = 0x26;
        /// A key is invalid (SEV-SNP).
        InvalidKey = SEV_RET_INVALID_KEY = 0x27;
        /// A shutdown did not complete (SEV-SNP).
        ShutdownIncomplete = SEV_RET_SHUTDOWN_INCOMPLETE = 0x28;
        /// A buffer length is incorrect.
        IncorrectBufferLength = SEV_RET_INCORRECT_BUFFER_LENGTH = 0x30;
        /// A larger buffer is needed.
        ExpandBufferLengthRequest = SEV_RET_EXPAND_BUFFER_LENGTH_REQUEST = 0x31;
        /// An SPDM request is pending (SEV-TIO).
        SpdmRequest = SEV_RET_SPDM_REQUEST = 0x32;
        /// An SPDM error occurred (SEV-TIO).
        SpdmError = SEV_RET_SPDM_ERROR = 0x33;
        /// A resource is in use.
        InUse = SEV_RET_IN_USE = 0x3A;
    }
}

impl fmt::Display for FirmwareStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.c_name() {
            Some(name) => write!(f, "{name} ({:#x})", self.code()),
            None => write!(f, "unknown status {:#x}", self.code()),
        }
    }
}

/// An error of a command that the SEV firmware runs, through `/dev/sev` or
/// `KVM_MEMORY_ENCRYPT_OP`.
#[derive(Debug)]
#[non_exhaustive]
pub enum SevError {
    /// The firmware returned a status other than success.
    Firmware {
        /// The firmware's status.
        status: FirmwareStatus,
        /// The ioctl's error, or `None` when the ioctl returned 0 despite the status.
        os: Option<io::Error>,
    },
    /// The ioctl failed with status 0: the kernel rejected the command before the firmware
    /// answered, or the driver does not serve it (ENOTTY on a host without SEV).
    Os(io::Error),
    /// An output buffer is smaller than the length that the firmware reported for it, so
    /// the command was not sent.
    BufferTooSmall {
        /// The length in bytes that the firmware needs.
        needed: usize,
        /// The length of the buffer given.
        len: usize,
    },
}

impl SevError {
    /// Returns the firmware status, if the firmware answered with one.
    pub fn status(&self) -> Option<FirmwareStatus> {
        match self {
            SevError::Firmware { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// Returns the ioctl's errno, if it failed.
    pub fn raw_os_error(&self) -> Option<i32> {
        match self {
            SevError::Firmware { os, .. } => os.as_ref().and_then(io::Error::raw_os_error),
            SevError::Os(error) => error.raw_os_error(),
            SevError::BufferTooSmall { .. } => None,
        }
    }
}

impl fmt::Display for SevError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SevError::Firmware { status, os: Some(os) } => write!(f, "SEV firmware error {status}; the ioctl failed: {os}"),
            SevError::Firmware { status, os: None } => {
                write!(f, "SEV firmware error {status}, although the ioctl returned 0")
            }
            SevError::Os(error) => write!(f, "SEV command failed before the firmware answered: {error}"),
            SevError::BufferTooSmall { needed, len } => {
                write!(f, "the output buffer has {len} bytes, but the firmware needs {needed}")
            }
        }
    }
}

impl std::error::Error for SevError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            SevError::Firmware { os: Some(os), .. } | SevError::Os(os) => Some(os),
            _ => None,
        }
    }
}

impl From<SevError> for io::Error {
    fn from(error: SevError) -> io::Error {
        let kind = match &error {
            SevError::Os(os) => os.kind(),
            SevError::Firmware { .. } => io::ErrorKind::Other,
            SevError::BufferTooSmall { .. } => io::ErrorKind::InvalidInput,
        };
        io::Error::new(kind, error)
    }
}

/// Combines an ioctl's result with the firmware status that it left in the payload (see
/// the module documentation for the rules).
pub fn decode_status(result: io::Result<()>, status: u32) -> Result<(), SevError> {
    match (result, status) {
        (Ok(()), 0) => Ok(()),
        (Ok(()), code) => Err(SevError::Firmware { status: FirmwareStatus::from_code(code), os: None }),
        (Err(error), 0) => Err(SevError::Os(error)),
        (Err(error), code) => Err(SevError::Firmware { status: FirmwareStatus::from_code(code), os: Some(error) }),
    }
}

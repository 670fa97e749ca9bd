(module
  (type (;0;) (func (param i32 i32) (result i32)))
  (type (;1;) (func (param i32) (result i32)))
  (type (;2;) (func (param i32 i64 i64) (result i32)))
  (type (;3;) (func (param i32 i32 i32) (result i32)))
  (type (;4;) (func (param i32 i32 i32 i32 i32) (result i32)))
  (type (;5;) (func (result i32)))
  (import "wasi_snapshot_preview1" "args_get" (func $args_get (;0;) (type 0) (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_datasync" (func $fd_datasync (;1;) (type 1) (param i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_fdstat_get" (func $fd_fdstat_get (;2;) (type 0) (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_fdstat_set_rights" (func $fd_fdstat_set_rights (;3;) (type 2) (param i32 i64 i64) (result i32)))
  (import "wasi_snapshot_preview1" "fd_sync" (func $fd_sync (;4;) (type 1) (param i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_tell" (func $fd_tell (;5;) (type 0) (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_create_directory" (func $path_create_directory (;6;) (type 3) (param i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_filestat_get" (func $path_filestat_get (;7;) (type 4) (param i32 i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_unlink_file" (func $path_unlink_file (;8;) (type 3) (param i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "sock_accept" (func $sock_accept (;9;) (type 3) (param i32 i32 i32) (result i32)))
  (memory (;0;) 1)
  (export "memory" (memory 0))
  (export "c0" (func 10))
  (export "c1" (func 11))
  (export "c2" (func 12))
  (export "c3" (func 13))
  (export "c4" (func 14))
  (export "c5" (func 15))
  (export "c6" (func 16))
  (export "c7" (func 17))
  (export "c8" (func 18))
  (export "c9" (func 19))
  (export "c10" (func 20))
  (export "c11" (func 21))
  (export "c12" (func 22))
  (func (;10;) (type 5) (result i32)
    i32.const 3
    i32.const 27
    i32.const 5
    call $sock_accept
  )
  (func (;11;) (type 5) (result i32)
    i32.const 9
    i32.const 65536
    call $fd_tell
  )
  (func (;12;) (type 5) (result i32)
    i32.const 1
    call $fd_datasync
  )
  (func (;13;) (type 5) (result i32)
    i32.const 64
    i64.const 972683769
    i64.const 972683769
    call $fd_fdstat_set_rights
  )
  (func (;14;) (type 5) (result i32)
    i32.const 64
    call $fd_sync
  )
  (func (;15;) (type 5) (result i32)
    i32.const 0
    i32.const 1024
    i32.const 2
    call $path_unlink_file
  )
  (func (;16;) (type 5) (result i32)
    i32.const 5
    i32.const 1
    i32.const 7
    i32.const 3
    i32.const 16
    call $path_filestat_get
  )
  (func (;17;) (type 5) (result i32)
    i32.const 65536
    i32.const 0
    i32.const 8
    call $path_create_directory
  )
  (func (;18;) (type 5) (result i32)
    i32.const 0
    i32.const 0
    call $args_get
  )
  (func (;19;) (type 5) (result i32)
    i32.const 3
    i32.const 0
    i32.const -1
    call $path_unlink_file
  )
  (func (;20;) (type 5) (result i32)
    i32.const 0
    i32.const 0
    call $fd_fdstat_get
  )
  (func (;21;) (type 5) (result i32)
    i32.const 0
    i32.const 0
    call $args_get
  )
  (func (;22;) (type 5) (result i32)
    i32.const 0
    i32.const 0
    call $args_get
  )
)

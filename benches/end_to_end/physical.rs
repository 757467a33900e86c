//! The physical limits of this machine for what the engine does first with its input: move
//! bytes over loopback TCP, and find the lines in them. The engine's figures are read as a
//! fraction of these.

use criterion::{BenchmarkGroup, Throughput, measurement::WallTime};
use std::hint::black_box;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::{Duration, Instant};

/// Bytes per write and per read of the copy loop: the size the engine's codecs read with.
const CHUNK: usize = 64 * 1024;

/// `physical/loopback_copy`: one TCP connection over loopback, a writer thread writing
/// `CHUNK`-byte buffers as fast as it can, this thread reading into one buffer and
/// discarding: bytes/s with no work done on them.
pub fn loopback_copy(group: &mut BenchmarkGroup<'_, WallTime>, bytes_per_iteration: u64) {
    group.throughput(Throughput::Bytes(bytes_per_iteration));
    group.bench_function("physical/loopback_copy", |bench| {
        bench.iter_custom(|iterations| loopback_seconds(iterations * bytes_per_iteration));
    });
}

/// `physical/memchr_lines`: the line scan every line-based decoder starts with, over `input`
/// (real Avaya traffic): `memchr` for every `\n`, nothing else.
pub fn memchr_lines(group: &mut BenchmarkGroup<'_, WallTime>, input: &[u8]) {
    let lines = memchr::memchr_iter(b'\n', input).count() as u64;
    group.throughput(Throughput::Bytes(input.len() as u64));
    group.bench_function("physical/memchr_lines", |bench| {
        bench.iter(|| {
            let count = memchr::memchr_iter(b'\n', black_box(input)).count() as u64;
            assert_eq!(count, lines);
            count
        });
    });
}

/// How long the loopback copy of `bytes` takes: a writer thread writes `CHUNK`-byte buffers,
/// this thread reads them into one buffer and discards them.
pub fn loopback_seconds(bytes: u64) -> Duration {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a loopback port");
    let address = listener.local_addr().expect("its address");
    let writer = std::thread::spawn(move || {
        let mut stream = TcpStream::connect(address).expect("connect");
        let chunk = vec![b'x'; CHUNK];
        let mut left = bytes;
        while left > 0 {
            let size = left.min(CHUNK as u64) as usize;
            stream.write_all(&chunk[..size]).expect("write");
            left -= size as u64;
        }
    });
    let (mut stream, _) = listener.accept().expect("accept");
    let mut buffer = vec![0u8; CHUNK];
    let started = Instant::now();
    let mut read = 0u64;
    while read < bytes {
        let count = stream.read(&mut buffer).expect("read");
        assert!(count > 0, "the writer closed early");
        read += count as u64;
    }
    let elapsed = started.elapsed();
    writer.join().expect("the writer thread");
    elapsed
}

//! What every connection lives under, over HTTP and HTTPS alike, so that a
//! few slow clients cannot hold the server: at most `max_connections` at
//! once (one more is closed as soon as it is accepted), and a connection on
//! which nothing is read or written for `idle` is closed, whether it drips
//! a TLS handshake, sits between keep-alive requests or stalls mid-reply.
//! Headers must arrive whole within the header timeout (hyper's own timer,
//! set in `serve`), and a body within the body timeout (the CSRF layer,
//! which is what reads bodies).

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum_server::accept::Accept;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::{Instant, Sleep};

/// The limits the operator sets (`serve --max-connections`,
/// `--idle-seconds`, `--header-read-seconds`, `--body-read-seconds`).
#[derive(Debug, Clone, Copy)]
pub struct ConnectionLimits {
    pub max_connections: usize,
    pub idle: Duration,
    pub header_read: Duration,
}

/// Accepts a TCP connection only while there is room, and watches it for
/// idleness. Sits before TLS, so a handshake that never finishes is idle
/// too.
#[derive(Clone)]
pub struct Guarded {
    room: Arc<Semaphore>,
    idle: Duration,
}

impl Guarded {
    pub fn new(limits: &ConnectionLimits) -> Self {
        Guarded {
            room: Arc::new(Semaphore::new(limits.max_connections.max(1))),
            idle: limits.idle,
        }
    }
}

impl<S> Accept<TcpStream, S> for Guarded {
    type Stream = Watched;
    type Service = S;
    type Future = std::future::Ready<io::Result<(Watched, S)>>;

    fn accept(&self, stream: TcpStream, service: S) -> Self::Future {
        // Full: refused at once (dropping the stream closes it), rather than
        // queued behind connections that may never finish.
        let outcome = match self.room.clone().try_acquire_owned() {
            Ok(permit) => Ok((Watched::new(stream, self.idle, permit), service)),
            Err(_) => Err(io::Error::other("too many connections")),
        };
        std::future::ready(outcome)
    }
}

/// A TCP stream that fails with `TimedOut` once nothing has moved either
/// way for its idle time, and frees its place when dropped.
pub struct Watched {
    stream: TcpStream,
    idle: Duration,
    deadline: Pin<Box<Sleep>>,
    _room: OwnedSemaphorePermit,
}

impl Watched {
    fn new(stream: TcpStream, idle: Duration, room: OwnedSemaphorePermit) -> Self {
        Watched {
            stream,
            idle,
            deadline: Box::pin(tokio::time::sleep(idle)),
            _room: room,
        }
    }

    fn moved(&mut self) {
        self.deadline.as_mut().reset(Instant::now() + self.idle);
    }

    /// After a write: bytes out count as movement; a client that stops
    /// reading the reply is as idle as one that stops sending.
    fn wrote(
        &mut self,
        cx: &mut Context<'_>,
        polled: Poll<io::Result<usize>>,
    ) -> Poll<io::Result<usize>> {
        match polled {
            Poll::Ready(Ok(n)) => {
                if n > 0 {
                    self.moved();
                }
                Poll::Ready(Ok(n))
            }
            Poll::Pending => self.waiting(cx),
            failed => failed,
        }
    }

    /// Waiting with nothing moving: an error once the idle time is up.
    fn waiting<T>(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<T>> {
        match self.deadline.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(Err(io::Error::new(
                io::ErrorKind::TimedOut,
                "the connection was idle too long",
            ))),
            Poll::Pending => Poll::Pending,
        }
    }
}

impl AsyncRead for Watched {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        match Pin::new(&mut this.stream).poll_read(cx, buf) {
            Poll::Ready(Ok(())) => {
                if buf.filled().len() > before {
                    this.moved();
                }
                Poll::Ready(Ok(()))
            }
            Poll::Pending => this.waiting(cx),
            failed => failed,
        }
    }
}

impl AsyncWrite for Watched {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let polled = Pin::new(&mut this.stream).poll_write(cx, data);
        this.wrote(cx, polled)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let polled = Pin::new(&mut this.stream).poll_write_vectored(cx, bufs);
        this.wrote(cx, polled)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }
}

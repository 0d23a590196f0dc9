//! SMTP connections kept open and reused, with Nagle's algorithm off.
//!
//! lettre's own pooled transport (0.11.23) leaves `TCP_NODELAY` unset, and
//! its client writes a message's body and the closing `.` in two writes: the
//! second waits for the server's delayed acknowledgement of the first, 40 ms
//! on Linux, for every message (lettre/lettre#1159 fixes it upstream; not yet
//! released). That capped an update near 700 messages a second however many
//! were in flight. This pool opens each connection itself, sets
//! `TCP_NODELAY`, and hands it to lettre's connection, which still speaks the
//! protocol (EHLO, STARTTLS, AUTH, MAIL, RCPT, DATA). Implicit TLS (port 465)
//! is opened by lettre, Nagle and all, since lettre gives no way to wrap a
//! socket of ours in TLS.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use custodian_policy::model::SmtpSecurity;
use lettre::address::Envelope;
use lettre::transport::smtp::Error as SmtpError;
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{AsyncSmtpConnection, TlsParameters};
use lettre::transport::smtp::extension::ClientId;

/// A connection idle for longer is checked with NOOP before it is used:
/// servers close idle sessions, and a message should not fail for that.
const CHECK_AFTER_IDLE: Duration = Duration::from_secs(15);

pub struct SmtpPool {
    host: String,
    port: u16,
    security: SmtpSecurity,
    credentials: Option<Credentials>,
    hello: ClientId,
    timeout: Duration,
    /// At most this many idle connections are kept.
    max_idle: usize,
    idle: Mutex<Vec<(AsyncSmtpConnection, Instant)>>,
}

impl SmtpPool {
    pub fn new(
        host: String,
        port: u16,
        security: SmtpSecurity,
        credentials: Option<Credentials>,
        max_idle: usize,
    ) -> SmtpPool {
        SmtpPool {
            host,
            port,
            security,
            credentials,
            hello: ClientId::default(),
            timeout: Duration::from_secs(30),
            max_idle,
            idle: Mutex::new(Vec::new()),
        }
    }

    fn take_idle(&self) -> Option<(AsyncSmtpConnection, Instant)> {
        // A poisoned lock only means a task panicked while holding it; the
        // list of connections is still a list of connections.
        self.idle
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .pop()
    }

    fn put_idle(&self, connection: AsyncSmtpConnection) {
        let mut idle = self
            .idle
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if idle.len() < self.max_idle {
            idle.push((connection, Instant::now()));
        }
    }

    /// A connection ready for a message: an idle one that still answers, or
    /// a new one.
    async fn connection(&self) -> Result<AsyncSmtpConnection, PoolError> {
        while let Some((mut connection, since)) = self.take_idle() {
            if connection.has_broken() {
                continue;
            }
            if since.elapsed() < CHECK_AFTER_IDLE || connection.test_connected().await {
                return Ok(connection);
            }
        }
        self.connect().await
    }

    async fn connect(&self) -> Result<AsyncSmtpConnection, PoolError> {
        let address = (self.host.as_str(), self.port);
        let mut connection = match self.security {
            SmtpSecurity::Tls => {
                AsyncSmtpConnection::connect_tokio1(
                    address,
                    Some(self.timeout),
                    &self.hello,
                    Some(self.tls()?),
                    None,
                )
                .await?
            }
            SmtpSecurity::Starttls | SmtpSecurity::None => {
                let stream = match tokio::time::timeout(
                    self.timeout,
                    tokio::net::TcpStream::connect(address),
                )
                .await
                {
                    Ok(Ok(stream)) => stream,
                    Ok(Err(e)) => return Err(PoolError::Connect(e)),
                    Err(_) => {
                        return Err(PoolError::Connect(std::io::Error::new(
                            std::io::ErrorKind::TimedOut,
                            "connection timed out",
                        )));
                    }
                };
                stream.set_nodelay(true).map_err(PoolError::Connect)?;
                let mut connection =
                    AsyncSmtpConnection::connect_with_transport(Box::new(stream), &self.hello)
                        .await?;
                if self.security == SmtpSecurity::Starttls {
                    connection.starttls(self.tls()?, &self.hello).await?;
                }
                connection
            }
        };
        if let Some(credentials) = &self.credentials {
            connection
                .auth(&[Mechanism::Plain, Mechanism::Login], credentials)
                .await?;
        }
        Ok(connection)
    }

    fn tls(&self) -> Result<TlsParameters, PoolError> {
        Ok(TlsParameters::new(self.host.clone())?)
    }

    /// Send one message. The connection goes back to the pool only after a
    /// clean exchange; after any failure it is dropped, and the outbox tries
    /// the message again later.
    pub async fn send(&self, envelope: &Envelope, message: &[u8]) -> Result<(), PoolError> {
        let mut connection = self.connection().await?;
        let sent = connection.send(envelope, message).await;
        if sent.is_ok() && !connection.has_broken() {
            self.put_idle(connection);
        }
        sent.map(|_| ()).map_err(PoolError::from)
    }
}

/// Why a message could not be handed over.
#[derive(Debug, thiserror::Error)]
pub enum PoolError {
    #[error(transparent)]
    Smtp(#[from] SmtpError),
    /// Opening the connection ourselves failed: lettre has no public way
    /// to make one of its errors from ours.
    #[error("cannot connect to the SMTP server: {0}")]
    Connect(std::io::Error),
}

impl PoolError {
    /// Whether trying again cannot help (the server refused the message
    /// for good); a connection that failed may work next time.
    pub fn is_permanent(&self) -> bool {
        match self {
            PoolError::Smtp(e) => e.is_permanent(),
            PoolError::Connect(_) => false,
        }
    }
}

//! A line-based TCP chat server built on tokio broadcast channels.
//!
//! Connect with `nc localhost 9000`; the first line you send is your name.

use std::net::SocketAddr;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::broadcast;

#[derive(Clone, Debug)]
struct Message {
    from: SocketAddr,
    text: String,
}

async fn handle_client(stream: TcpStream, addr: SocketAddr, tx: broadcast::Sender<Message>) -> std::io::Result<()> {
    let (reader, mut writer) = stream.into_split();
    let mut lines = BufReader::new(reader).lines();
    let mut rx = tx.subscribe();

    writer.write_all(b"name? ").await?;
    let name = match lines.next_line().await? {
        Some(n) if !n.trim().is_empty() => n.trim().to_string(),
        _ => format!("guest-{}", addr.port()),
    };
    let _ = tx.send(Message { from: addr, text: format!("* {name} joined") });

    loop {
        tokio::select! {
            line = lines.next_line() => {
                match line? {
                    Some(text) if text.trim() == "/quit" => break,
                    Some(text) => {
                        let _ = tx.send(Message { from: addr, text: format!("{name}: {text}") });
                    }
                    None => break,
                }
            }
            msg = rx.recv() => {
                match msg {
                    Ok(m) if m.from != addr => {
                        writer.write_all(m.text.as_bytes()).await?;
                        writer.write_all(b"\n").await?;
                    }
                    Ok(_) => {}
                    Err(broadcast::error::RecvError::Lagged(n)) => {
                        writer.write_all(format!("(missed {n} messages)\n").as_bytes()).await?;
                    }
                    Err(broadcast::error::RecvError::Closed) => break,
                }
            }
        }
    }

    let _ = tx.send(Message { from: addr, text: format!("* {name} left") });
    Ok(())
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let addr = std::env::var("CHAT_ADDR").unwrap_or_else(|_| "127.0.0.1:9000".into());
    let listener = TcpListener::bind(&addr).await?;
    let (tx, _rx) = broadcast::channel::<Message>(128);
    println!("chat server listening on {addr}");

    loop {
        let (stream, peer) = listener.accept().await?;
        let tx = tx.clone();
        tokio::spawn(async move {
            if let Err(e) = handle_client(stream, peer, tx).await {
                eprintln!("{peer}: connection error: {e}");
            }
        });
    }
}

//! Failures inside handlers become a 500 page; details go to the log, never
//! to the person.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error(transparent)]
    Store(#[from] custodian_store::StoreError),
    #[error("template: {0}")]
    Template(#[from] minijinja::Error),
    #[error(transparent)]
    Vault(#[from] custodian_vault::VaultError),
    #[error(transparent)]
    App(#[from] custodian_app::Error),
    #[error("mail: {0}")]
    Mail(String),
    #[error("export: {0}")]
    Export(String),
    #[error("{0}")]
    Internal(String),
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        tracing::error!(error = %self, "request failed");
        StatusCode::INTERNAL_SERVER_ERROR.into_response()
    }
}

pub type AppResult<T> = Result<T, AppError>;

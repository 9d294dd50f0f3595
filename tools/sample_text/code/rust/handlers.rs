use std::sync::Arc;

use axum::{
    extract::{Path, Query, State},
    http::StatusCode,
    response::{IntoResponse, Response},
    routing::get,
    Json, Router,
};
use serde::{Deserialize, Serialize};
use sqlx::PgPool;

#[derive(Clone)]
pub struct AppState {
    pub db: PgPool,
}

#[derive(Serialize, sqlx::FromRow)]
pub struct Article {
    id: i64,
    title: String,
    body: String,
    published: bool,
}

#[derive(Deserialize)]
pub struct NewArticle {
    title: String,
    body: String,
}

#[derive(Deserialize)]
pub struct ListParams {
    #[serde(default = "default_limit")]
    limit: i64,
    #[serde(default)]
    offset: i64,
}

fn default_limit() -> i64 {
    20
}

pub enum ApiError {
    NotFound,
    BadRequest(String),
    Internal(sqlx::Error),
}

impl From<sqlx::Error> for ApiError {
    fn from(e: sqlx::Error) -> Self {
        match e {
            sqlx::Error::RowNotFound => ApiError::NotFound,
            other => ApiError::Internal(other),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, msg) = match self {
            ApiError::NotFound => (StatusCode::NOT_FOUND, "not found".to_string()),
            ApiError::BadRequest(m) => (StatusCode::BAD_REQUEST, m),
            ApiError::Internal(e) => {
                tracing::error!(error = %e, "database error");
                (StatusCode::INTERNAL_SERVER_ERROR, "internal error".to_string())
            }
        };
        (status, Json(serde_json::json!({ "error": msg }))).into_response()
    }
}

async fn list_articles(
    State(state): State<Arc<AppState>>,
    Query(p): Query<ListParams>,
) -> Result<Json<Vec<Article>>, ApiError> {
    let rows = sqlx::query_as::<_, Article>(
        "SELECT id, title, body, published FROM articles ORDER BY id DESC LIMIT $1 OFFSET $2",
    )
    .bind(p.limit.clamp(1, 100))
    .bind(p.offset.max(0))
    .fetch_all(&state.db)
    .await?;
    Ok(Json(rows))
}

async fn get_article(State(state): State<Arc<AppState>>, Path(id): Path<i64>) -> Result<Json<Article>, ApiError> {
    let a = sqlx::query_as::<_, Article>("SELECT id, title, body, published FROM articles WHERE id = $1")
        .bind(id)
        .fetch_one(&state.db)
        .await?;
    Ok(Json(a))
}

async fn create_article(
    State(state): State<Arc<AppState>>,
    Json(input): Json<NewArticle>,
) -> Result<(StatusCode, Json<Article>), ApiError> {
    if input.title.trim().is_empty() {
        return Err(ApiError::BadRequest("title must not be empty".into()));
    }
    let a = sqlx::query_as::<_, Article>(
        "INSERT INTO articles (title, body) VALUES ($1, $2) RETURNING id, title, body, published",
    )
    .bind(input.title.trim())
    .bind(&input.body)
    .fetch_one(&state.db)
    .await?;
    Ok((StatusCode::CREATED, Json(a)))
}

pub fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/articles", get(list_articles).post(create_article))
        .route("/articles/:id", get(get_article))
        .with_state(state)
}

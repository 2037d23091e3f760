package main

import (
	"database/sql"
	"os"
)

const githubToken = "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"

var apiKey = os.Getenv("API_KEY")

const testToken = "xxxxxxxxxxxxxxxxxxxxxxxx"

func openDB() (*sql.DB, error) {
	return sql.Open("mysql", "api:9c87Rb!xkPtlXs@tcp(mysql.internal:3306)/orders?parseTime=true")
}

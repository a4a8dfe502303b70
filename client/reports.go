package client

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
)

// SavedDaily is the answer to saving a daily summary.
type SavedDaily struct {
	Date       string `json:"date"`
	DecisionID int64  `json:"decision_id"`
	// Created is false when the day's summary was already saved.
	Created bool `json:"created"`
}

// Report streams a report to w: kind "daily" (at is a date, "" for today)
// or "weekly" (at is any day of the week, "" for this week), in format
// "md", "csv" or "json".
func (c *Client) Report(ctx context.Context, kind, at, format string, w io.Writer) error {
	v := url.Values{}
	if at != "" {
		v.Set(map[string]string{"daily": "date", "weekly": "week"}[kind], at)
	}
	if format != "" {
		v.Set("format", format)
	}
	resp, err := c.send(ctx, http.MethodGet, "/api/v1/reports/"+url.PathEscape(kind), v, nil, "")
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if _, err := io.Copy(w, resp.Body); err != nil {
		return fmt.Errorf("read report: %w", err)
	}
	return nil
}

// SaveDaily saves the daily summary of date ("" for today) to the
// Decision Log; again appends a new one when the day already has one.
func (c *Client) SaveDaily(ctx context.Context, date string, again bool) (SavedDaily, error) {
	var out SavedDaily
	err := c.do(ctx, http.MethodPost, "/api/v1/reports/daily", nil, map[string]any{"date": date, "again": again}, "", &out)
	return out, err
}

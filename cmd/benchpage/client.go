package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"
)

// pageClient GETs pages over one keep-alive connection of its own, in the
// calling goroutine. net/http's client hands every request to a writing
// and a reading goroutine of its connection; on two cores shared with
// serve and PostgreSQL those hand-overs were a quarter of the load
// generator's CPU. The answers are still parsed by net/http's own reader.
type pageClient struct {
	addr string // host:port of serve
	conn net.Conn
	r    *bufio.Reader
}

// getRequest is the request line and headers of a GET of path.
func getRequest(host, path string) []byte {
	return fmt.Appendf(nil, "GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: benchpage\r\n\r\n", path, host)
}

// get sends a prepared GET and reads the answer's body into body. After an
// error, or when serve closes it, the connection is dropped; the next get
// opens a new one.
func (c *pageClient) get(request []byte, body *bytes.Buffer) (*http.Response, error) {
	res, err := c.roundTrip(request, body)
	if (err != nil || res.Close) && c.conn != nil {
		c.conn.Close()
		c.conn = nil
	}
	return res, err
}

func (c *pageClient) roundTrip(request []byte, body *bytes.Buffer) (*http.Response, error) {
	if err := c.connect(); err != nil {
		return nil, err
	}
	if err := c.conn.SetDeadline(time.Now().Add(requestTimeout)); err != nil {
		return nil, err
	}
	if _, err := c.conn.Write(request); err != nil {
		return nil, fmt.Errorf("send a page GET: %w", err)
	}
	res, err := http.ReadResponse(c.r, nil)
	if err != nil {
		return nil, fmt.Errorf("read a page GET's answer: %w", err)
	}
	defer res.Body.Close()
	if _, err := io.Copy(body, res.Body); err != nil {
		return nil, fmt.Errorf("read a page GET's body: %w", err)
	}
	return res, nil
}

func (c *pageClient) connect() error {
	if c.conn != nil {
		return nil
	}
	conn, err := net.DialTimeout("tcp", c.addr, requestTimeout)
	if err != nil {
		return fmt.Errorf("connect to serve: %w", err)
	}
	c.conn = conn
	c.r = bufio.NewReaderSize(conn, readBuffer)
	return nil
}

func (c *pageClient) close() {
	if c.conn != nil {
		c.conn.Close()
	}
}

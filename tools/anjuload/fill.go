package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"time"

	"anju/app"
	"anju/storage"
)

// runParams sets run-time parameters of a stopped instance, as the system
// management page would (audited as system:bench).
func runParams(args []string) error {
	fs := flag.NewFlagSet("params", flag.ExitOnError)
	data := fs.String("data", "data", "data folder")
	_ = fs.Parse(args)
	values := map[string]string{}
	for _, kv := range fs.Args() {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			return fmt.Errorf("want key=value, got %q", kv)
		}
		values[k] = v
	}
	a, err := app.Open(app.Config{DataDir: *data, Version: "anjuload"})
	if err != nil {
		return err
	}
	defer a.Close()
	if err := a.SetParams(app.SystemActor("bench"), values); err != nil {
		return err
	}
	fmt.Printf("set %v in %s\n", values, *data)
	return nil
}

// runFill makes a data folder whose anju.db is a real store of about -size:
// the first admin and demo accounts (through anju/app), then small JSON
// records in a bucket of their own and attachments (storage blobs) of
// incompressible bytes, written through anju/storage in batches.
func runFill(args []string) error {
	fs := flag.NewFlagSet("fill", flag.ExitOnError)
	data := fs.String("data", "", "data folder to create (must not hold anju.db)")
	sizeS := fs.String("size", "1GiB", "target size of anju.db")
	blobS := fs.String("blob", "256KiB", "size of each attachment")
	records := fs.Int("records", 200000, "small records (about 600 bytes of JSON each) written before the attachments")
	batch := fs.Int("batch", 64, "attachments per transaction")
	demo := fs.Bool("demo", true, "load the demo accounts")
	_ = fs.Parse(args)
	if *data == "" {
		return fmt.Errorf("-data is required")
	}
	size, err := parseSize(*sizeS)
	if err != nil {
		return err
	}
	blobSize, err := parseSize(*blobS)
	if err != nil {
		return err
	}
	path := filepath.Join(*data, app.DataFileName)
	if _, err := os.Stat(path); err == nil {
		return fmt.Errorf("%s exists", path)
	}
	start := time.Now()

	a, err := app.Open(app.Config{DataDir: *data, Version: "anjuload"})
	if err != nil {
		return err
	}
	pw, _, err := a.BootstrapAdmin()
	if err == nil && *demo {
		_, err = a.LoadDemo()
	}
	if cerr := a.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	fmt.Printf("admin one-time password: %s\n", pw)

	db, err := storage.Open(path, storage.Options{})
	if err != nil {
		return err
	}
	defer db.Close()
	rng := rand.New(rand.NewChaCha8([32]byte{1, 2, 3}))
	type rec struct {
		ID       uint64    `json:"id"`
		Address  string    `json:"address"`
		Landlord string    `json:"landlord"`
		Phone    string    `json:"phone"`
		Area     float64   `json:"area"`
		Rent     int       `json:"rent"`
		Created  time.Time `json:"created"`
		Notes    string    `json:"notes"`
	}
	const recBucket = "bench/records"
	var recBytes int64
	for done := 0; done < *records; {
		err := db.Update(func(tx *storage.Tx) error {
			for i := 0; i < 5000 && done < *records; i++ {
				id, err := tx.NextSequence(recBucket)
				if err != nil {
					return err
				}
				r := rec{ID: id, Address: fmt.Sprintf("北京市朝阳区安居路%d号院%d号楼%d单元%d室", rng.IntN(300), rng.IntN(30), rng.IntN(6), rng.IntN(2000)),
					Landlord: "张三", Phone: fmt.Sprintf("138%08d", rng.IntN(1e8)), Area: float64(rng.IntN(15000)) / 100,
					Rent: 1500 + rng.IntN(15000), Created: time.Now().UTC(), Notes: strings.Repeat("房屋租赁登记备案测试数据。", 1+rng.IntN(20))}
				b, _ := json.Marshal(r)
				recBytes += int64(len(b)) + 8
				if err := tx.Put(recBucket, storage.U64(id), b); err != nil {
					return err
				}
				done++
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	recSize, _ := db.Size()
	fmt.Printf("%d records (%.1f MiB of keys and values) written; file %.1f MiB after %s\n",
		*records, float64(recBytes)/(1<<20), float64(recSize)/(1<<20), time.Since(start).Round(time.Millisecond))

	buf := make([]byte, blobSize)
	blobs := 0
	for {
		cur, err := db.Size()
		if err != nil {
			return err
		}
		if cur >= size {
			break
		}
		err = db.Update(func(tx *storage.Tx) error {
			for range *batch {
				for i := 0; i+8 <= len(buf); i += 8 {
					v := rng.Uint64()
					buf[i], buf[i+1], buf[i+2], buf[i+3] = byte(v), byte(v>>8), byte(v>>16), byte(v>>24)
					buf[i+4], buf[i+5], buf[i+6], buf[i+7] = byte(v>>32), byte(v>>40), byte(v>>48), byte(v>>56)
				}
				if _, err := tx.PutBlob(fmt.Sprintf("scan-%06d.pdf", blobs), "application/pdf", buf, blobSize); err != nil {
					return err
				}
				blobs++
			}
			return nil
		})
		if err != nil {
			return err
		}
		if blobs%(*batch*16) == 0 {
			fmt.Printf("  %d attachments, file %.0f MiB\n", blobs, float64(cur)/(1<<20))
		}
	}
	final, _ := db.Size()
	fmt.Printf("done: %s holds %d records and %d attachments of %d bytes; %d bytes (%.2f GiB) in %s\n",
		path, *records, blobs, blobSize, final, float64(final)/(1<<30), time.Since(start).Round(time.Millisecond))
	return nil
}

from csms_under_test.cli import main

raise SystemExit(main())

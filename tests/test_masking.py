import logging

from fugong.core.masking import PersonalDataLogFilter, mask_id_number, mask_phone, mask_text


def test_mask_phone():
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("") == ""


def test_mask_id_number():
    assert mask_id_number("110101199003071234") == "110101********1234"


def test_mask_text_hides_phones_and_ids():
    text = mask_text("联系人 13812345678,身份证 11010119900307123X")
    assert "13812345678" not in text and "11010119900307123X" not in text
    assert "138****5678" in text


def test_log_filter_masks_personal_data(caplog):
    logger = logging.getLogger("fugong.test.masking")
    logger.addFilter(PersonalDataLogFilter())
    with caplog.at_level(logging.INFO, logger="fugong.test.masking"):
        logger.info("calling %s about %s", "13812345678", "110101199003071234")
    assert "13812345678" not in caplog.text and "110101199003071234" not in caplog.text
